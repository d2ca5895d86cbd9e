"""Conversations as one participant lists them (`GET /conversations`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from neighbours.accounts.models import User
from neighbours.extensions import db
from neighbours.messages.models import Conversation, Message, Participant
from neighbours.moderation.models import ContentStatus
from neighbours.views import View


@dataclass
class ConversationView(View, row="conversation"):
    conversation: Conversation
    participants: list[User] = field(default_factory=list)
    last_message: Message | None = None
    unread_count: int = 0


def conversation_views(reader_id: int, conversations: list[Conversation]) -> list[ConversationView]:
    """Participants, last messages and the reader's unread counts for a page, in three queries."""
    ids = [c.id for c in conversations]
    if not ids:
        return []
    people: dict[int, list[User]] = defaultdict(list)
    for conversation_id, person in db.session.execute(
        select(Participant.conversation_id, User)
        .join(User, User.id == Participant.user_id)
        .where(Participant.conversation_id.in_(ids), Participant.left_at.is_(None))
        .order_by(Participant.joined_at, User.id)
    ).all():
        people[conversation_id].append(person)
    last_ids = [c.last_message_id for c in conversations if c.last_message_id]
    last = (
        {
            m.id: m
            for m in db.session.execute(
                select(Message)
                .where(Message.id.in_(last_ids))
                .options(db.joinedload(Message.author))
            ).scalars()
        }
        if last_ids
        else {}
    )
    mine = (
        select(Participant.conversation_id, Participant.last_read_message_id)
        .where(Participant.user_id == reader_id, Participant.conversation_id.in_(ids))
        .subquery()
    )
    unread = dict(
        db.session.execute(
            select(Message.conversation_id, func.count())
            .join(mine, mine.c.conversation_id == Message.conversation_id)
            .where(
                Message.id > mine.c.last_read_message_id,
                Message.author_id != reader_id,
                Message.status == ContentStatus.PUBLISHED,
            )
            .group_by(Message.conversation_id)
        ).all()
    )
    return [
        ConversationView(
            c, people.get(c.id, []), last.get(c.last_message_id or 0), unread.get(c.id, 0)
        )
        for c in conversations
    ]
