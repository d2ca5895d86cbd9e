"""Unread messages across all of someone's conversations: the `unread_messages` badge."""

from __future__ import annotations

from sqlalchemy import exists, func, select

from neighbours.extensions import db
from neighbours.messages.models import Message, Participant
from neighbours.moderation.models import ContentStatus


def unread_counts(user_ids: list[int]) -> dict[int, int]:
    """For several people in one query: the published messages of others, after each one's
    read marker, in the conversations they are still in (as each conversation's
    `unread_count`, summed)."""
    rows = db.session.execute(
        select(Participant.user_id, func.count(Message.id))
        .join(Message, Message.conversation_id == Participant.conversation_id)
        .where(
            Participant.user_id.in_(user_ids),
            Participant.left_at.is_(None),
            Message.id > Participant.last_read_message_id,
            Message.author_id != Participant.user_id,
            Message.status == ContentStatus.PUBLISHED,
        )
        .group_by(Participant.user_id)
    ).all()
    return {user_id: n for user_id, n in rows}


def has_unread(conversation_id: int, user_id: int, last_read_message_id: int) -> bool:
    """Whether this conversation holds a published message of someone else after the
    person's read marker (what their `unread_messages` counts there)."""
    return bool(
        db.session.execute(
            select(
                exists().where(
                    Message.conversation_id == conversation_id,
                    Message.id > last_read_message_id,
                    Message.author_id != user_id,
                    Message.status == ContentStatus.PUBLISHED,
                )
            )
        ).scalar()
    )
