"""Conversations and messages: the rules and their transactions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, select, update

from neighbours.accounts import badges
from neighbours.accounts.models import User
from neighbours.accounts.schemas import person as embedded_person
from neighbours.database import utcnow
from neighbours.errors import Forbidden, Invalid
from neighbours.extensions import db
from neighbours.messages import counts, live, policies, unread
from neighbours.messages.models import Conversation, ConversationKind, Message, Participant
from neighbours.messages.schemas import message_schema
from neighbours.messages.targets import message_subject
from neighbours.messages.views import ConversationView, conversation_views
from neighbours.moderation import limits
from neighbours.moderation.models import ContentStatus
from neighbours.moderation.policies import refuse_writing
from neighbours.neighbourhoods import policies as neighbourhood_policies
from neighbours.neighbourhoods.models import Membership, MembershipStatus
from neighbours.notifications.services import notify
from neighbours.pagination import (
    Page,
    SortKey,
    check_cursor,
    decode_cursor,
    encode_cursor,
    paginate,
)
from neighbours.realtime.publish import publish
from neighbours.realtime.rooms import user_room


def _active_participant_ids(conversation_id: int) -> list[int]:
    return list(
        db.session.execute(
            select(Participant.user_id).where(
                Participant.conversation_id == conversation_id, Participant.left_at.is_(None)
            )
        ).scalars()
    )


def list_conversations(user: User, *, limit: int, after: str | None) -> Page[ConversationView]:
    """My conversations, the most recently active first."""
    stmt = (
        select(Conversation)
        .join(Participant, Participant.conversation_id == Conversation.id)
        .where(Participant.user_id == user.id, Participant.left_at.is_(None))
    )
    page = paginate(
        db.session,
        stmt,
        [SortKey(Conversation.last_activity_at, desc=True), SortKey(Conversation.id, desc=True)],
        lambda c: [c.last_activity_at, c.id],
        limit=limit,
        after=after,
    )
    return Page(conversation_views(user.id, page.items), page.next_cursor)


def get_conversation(user: User, conversation_id: int) -> ConversationView:
    conversation, _ = policies.participation(user, conversation_id)
    return conversation_views(user.id, [conversation])[0]


_NO_SHARED = _l("You can only write to people who share a neighbourhood with you.")


def _shared_neighbourhood(user: User, others: list[int]) -> int:
    """A neighbourhood every participant shares with the caller, else one shared with the first.

    Everyone must share at least one neighbourhood with the caller (403 otherwise).
    """
    rows = db.session.execute(
        select(Membership.user_id, Membership.neighbourhood_id).where(
            Membership.user_id.in_([user.id, *others]),
            Membership.status == MembershipStatus.ACTIVE,
        )
    ).all()
    by_user: dict[int, set[int]] = defaultdict(set)
    for user_id, neighbourhood_id in rows:
        by_user[user_id].add(neighbourhood_id)
    mine = by_user[user.id]
    for other in others:
        if not (mine & by_user[other]):
            raise Forbidden(_NO_SHARED, reason="no_shared_neighbourhood")
    common = set(mine)
    for other in others:
        common &= by_user[other]
    return min(common) if common else min(mine & by_user[others[0]])


def start_conversation(
    user: User, participant_ids: list[int], title: str | None
) -> tuple[ConversationView, bool]:
    """Start a conversation, or return the existing one between the same two people.

    Returns the view and whether it was created.
    """
    others = sorted({pid for pid in participant_ids if pid != user.id})
    if not others:
        raise Invalid(
            "participant_ids",
            _l("Name at least one other person."),
            reason="no_other_participant",
        )
    existing_users = set(
        db.session.execute(
            select(User.id).where(User.id.in_(others), User.deleted_at.is_(None))
        ).scalars()
    )
    if existing_users != set(others):
        raise Forbidden(_NO_SHARED, reason="no_shared_neighbourhood")
    neighbourhood_id = _shared_neighbourhood(user, others)
    if policies.blocked_by_any(user.id, others):
        raise Forbidden(
            _l("You can't start a conversation with someone who has blocked you."),
            reason="blocked",
        )
    if not neighbourhood_policies.can_write(user, neighbourhood_id):
        raise refuse_writing(user, neighbourhood_id, policies.CANT_WRITE_HERE)
    direct_key = None
    if len(others) == 1 and not title:
        direct_key = ":".join(str(i) for i in sorted([user.id, others[0]]))
        found = db.session.execute(
            select(Conversation).where(Conversation.direct_key == direct_key)
        ).scalar_one_or_none()
        if found is not None:
            # Back into it if they had left (a direct conversation never really ends).
            back = db.session.execute(
                update(Participant)
                .where(Participant.conversation_id == found.id, Participant.left_at.is_not(None))
                .values(left_at=None)
                .returning(Participant.user_id)
            ).scalars()
            live.joined(found, [person_id for person_id in back if person_id != user.id])
            db.session.commit()
            return conversation_views(user.id, [found])[0], False
    limits.check_conversation(user, neighbourhood_id, counts.conversations_started(user.id))
    now = utcnow()
    conversation = Conversation(
        kind=ConversationKind.DIRECT if direct_key else ConversationKind.GROUP,
        title=title,
        neighbourhood_id=neighbourhood_id,
        direct_key=direct_key,
        created_by_id=user.id,
        created_at=now,
        last_activity_at=now,
    )
    db.session.add(conversation)
    db.session.flush()
    for person_id in [user.id, *others]:
        db.session.add(
            Participant(conversation_id=conversation.id, user_id=person_id, joined_at=now)
        )
    live.joined(conversation, others)
    db.session.commit()
    return conversation_views(user.id, [conversation])[0], True


@dataclass
class MessagePage:
    items: list[Message]
    next_cursor: str | None
    prev_cursor: str | None
    latest_cursor: str | None
    # The conversation itself (participants, unread count) on a page opened without a cursor:
    # the conversation screen in one request.
    conversation: ConversationView | None = None


def list_messages(
    user: User,
    conversation_id: int,
    *,
    limit: int,
    after: str | None,
    before: str | None,
    latest: bool,
) -> MessagePage:
    """Oldest first within a page. From the start by default; `latest=true` for the newest
    page; `before` for older pages, `after` for newer ones (and to poll after reconnecting)."""
    conversation, _ = policies.participation(user, conversation_id)
    base = (
        select(Message)
        .where(Message.conversation_id == conversation.id)
        .options(db.joinedload(Message.author))
    )
    if before is not None or latest:
        stmt = base
        if before is not None:
            values = decode_cursor(before, 1, param="before")
            check_cursor([SortKey(Message.id)], values, param="before")
            stmt = stmt.where(Message.id < values[0])
        rows = list(db.session.execute(stmt.order_by(Message.id.desc()).limit(limit + 1)).scalars())
        older = len(rows) > limit
        items = list(reversed(rows[:limit]))
        newer = before is not None
    else:
        page = paginate(
            db.session, base, [SortKey(Message.id)], lambda m: [m.id], limit=limit, after=after
        )
        items = page.items
        newer = page.next_cursor is not None
        older = bool(items) and bool(
            db.session.execute(
                select(Message.id)
                .where(Message.conversation_id == conversation.id, Message.id < items[0].id)
                .limit(1)
            ).first()
        )
    first, last = (items[0].id, items[-1].id) if items else (None, None)
    latest_cursor = encode_cursor([last]) if last is not None else after
    opening = after is None and before is None
    return MessagePage(
        items,
        encode_cursor([last]) if newer and last is not None else None,
        encode_cursor([first]) if older and first is not None else None,
        latest_cursor,
        conversation_views(user.id, [conversation])[0] if opening else None,
    )


def message_payload(message: Message) -> dict[str, Any]:
    return message_schema.dump(message)


def post_message(user: User, conversation_id: int, body: str) -> Message:
    conversation, me = policies.participation(user, conversation_id)
    everyone = _active_participant_ids(conversation.id)
    others = [pid for pid in everyone if pid != user.id]
    policies.require_can_write(user, conversation, others)
    limits.check_message(user, counts.messages_sent(user.id))
    first = conversation.last_message_id is None
    # Writing reads what came before: my own badge changes only if some of it was unread.
    read_too = (
        not first
        and me.last_read_message_id < (conversation.last_message_id or 0)
        and unread.has_unread(conversation.id, user.id, me.last_read_message_id)
    )
    now = utcnow()
    message = Message(
        conversation_id=conversation.id,
        author_id=user.id,
        body=body,
        status=ContentStatus.PUBLISHED,
        created_at=now,
    )
    db.session.add(message)
    db.session.flush()
    conversation.last_message_id = message.id
    conversation.last_activity_at = now
    # Writing is reading: my own message doesn't count as unread for me.
    db.session.execute(
        update(Participant)
        .where(Participant.conversation_id == conversation.id, Participant.user_id == user.id)
        .values(last_read_message_id=message.id)
    )
    payload = {"conversation_id": conversation.id, "message": message_payload(message)}
    for person_id in everyone:
        publish(
            "message:created",
            payload,
            user_room(person_id),
            subject=message_subject(message.id),
            author_id=user.id,
        )
    if first and conversation.kind != ConversationKind.MEAL:
        for person_id in others:
            notify(
                person_id,
                "new_conversation",
                {
                    "conversation_id": conversation.id,
                    "actor": embedded_person(user),
                    "preview": body[:100],
                },
                log_subject=f"{message_subject(message.id)}/notification:{person_id}",
            )
    badges.changed([*others, user.id] if read_too else others)
    db.session.commit()
    return message


def mark_read(user: User, conversation_id: int, up_to_message_id: int) -> dict[str, Any]:
    """Move my read marker forward (never back) to a message of this conversation."""
    conversation, participant = policies.participation(user, conversation_id)
    message = db.session.get(Message, up_to_message_id)
    if message is None or message.conversation_id != conversation.id:
        raise Invalid(
            "up_to_message_id",
            _l("Not a message of this conversation."),
            reason="not_in_conversation",
        )
    moved = db.session.execute(
        update(Participant)
        .where(
            Participant.conversation_id == conversation.id,
            Participant.user_id == user.id,
            Participant.last_read_message_id < up_to_message_id,
        )
        .values(last_read_message_id=up_to_message_id)
    )
    if moved.rowcount:
        badges.changed([user.id])
    db.session.commit()
    view = conversation_views(user.id, [conversation])[0]
    db.session.refresh(participant)
    return {
        "conversation_id": conversation.id,
        "last_read_message_id": participant.last_read_message_id,
        "unread_count": view.unread_count,
    }


def sync_meal_conversation(
    meal_id: int, *, title: str, neighbourhood_id: int, participant_ids: set[int]
) -> None:
    """A meal's conversation holds these people, and nobody else (created on first use).

    Meals decides who (its current hosts and confirmed diners) and calls this after every
    change to a published meal's signups or hosts; messages knows no meal rules.
    """
    # Its row lock: syncs and `add_meal_participant` of one meal change its people in turn.
    conversation = db.session.execute(
        select(Conversation).where(Conversation.meal_id == meal_id).with_for_update(key_share=True)
    ).scalar_one_or_none()
    now = utcnow()
    if conversation is None:
        conversation = Conversation(
            kind=ConversationKind.MEAL,
            title=title,
            neighbourhood_id=neighbourhood_id,
            meal_id=meal_id,
            created_at=now,
            last_activity_at=now,
        )
        db.session.add(conversation)
        db.session.flush()
    wanted = participant_ids
    added = []
    current = {
        p.user_id: p
        for p in db.session.execute(
            select(Participant).where(Participant.conversation_id == conversation.id)
        ).scalars()
    }
    for user_id in wanted:
        participant = current.get(user_id)
        if participant is None:
            db.session.add(
                Participant(
                    conversation_id=conversation.id,
                    user_id=user_id,
                    joined_at=now,
                    last_read_message_id=conversation.last_message_id or 0,
                )
            )
            added.append(user_id)
        elif participant.left_at is not None:
            participant.left_at = None
            participant.joined_at = now
            added.append(user_id)
    for user_id, participant in current.items():
        if user_id not in wanted and participant.left_at is None:
            participant.left_at = now
    live.joined(conversation, added)


def add_meal_participant(meal_id: int, user_id: int) -> bool:
    """Put one person in a meal's conversation (`conversation:joined` if they were not in it),
    in the caller's transaction, under the conversation's row lock as `sync_meal_conversation`;
    False (and nothing done) when the meal has no conversation yet. Meals calls it for a diner
    just confirmed."""
    # The lock first, then the participant: read after the lock is granted, it is current.
    conversation = db.session.execute(
        select(Conversation)
        .where(Conversation.meal_id == meal_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if conversation is None:
        return False
    participant = db.session.execute(
        select(Participant)
        .where(Participant.conversation_id == conversation.id, Participant.user_id == user_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    now = utcnow()
    if participant is None:
        db.session.add(
            Participant(
                conversation_id=conversation.id,
                user_id=user_id,
                joined_at=now,
                last_read_message_id=conversation.last_message_id or 0,
            )
        )
    elif participant.left_at is not None:
        participant.left_at = None
        participant.joined_at = now
    else:
        return True
    db.session.flush()
    live.joined(conversation, [user_id])
    return True


def meal_conversations_joined(user_id: int) -> list[int]:
    """The meals whose conversation someone takes part in now (meal ids)."""
    return list(
        db.session.execute(
            select(Conversation.meal_id)
            .join(Participant, Participant.conversation_id == Conversation.id)
            .where(
                Participant.user_id == user_id,
                Participant.left_at.is_(None),
                Conversation.meal_id.is_not(None),
            )
        ).scalars()
    )


def leave_meal_conversations(user_id: int, meal_ids: list[int]) -> None:
    """Take someone out of these meals' conversations (they hear no more of them, since
    messages go to their participants' user rooms). In the caller's transaction."""
    if not meal_ids:
        return
    now = utcnow()
    for participant in db.session.execute(
        select(Participant)
        .join(Conversation, Conversation.id == Participant.conversation_id)
        .where(
            Participant.user_id == user_id,
            Participant.left_at.is_(None),
            Conversation.meal_id.in_(meal_ids),
        )
    ).scalars():
        participant.left_at = now


def meal_conversation_id(meal_id: int) -> int | None:
    return db.session.execute(
        select(Conversation.id).where(and_(Conversation.meal_id == meal_id))
    ).scalar_one_or_none()


def meal_conversation_column(meal_id: ColumnElement[int]) -> ColumnElement[int | None]:
    """`meal_conversation_id` as a column of a query about meals (a scalar subquery)."""
    return select(Conversation.id).where(Conversation.meal_id == meal_id).scalar_subquery()
