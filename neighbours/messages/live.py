"""`conversation:joined`: a conversation, to the user room of each person just added to it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from neighbours.extensions import db
from neighbours.messages.models import Conversation, Participant
from neighbours.messages.schemas import conversation_schema
from neighbours.messages.views import conversation_views
from neighbours.realtime.publish import publish
from neighbours.realtime.rooms import user_room

JOINED = "conversation:joined"
CREATED = "message:created"


def joined(conversation: Conversation, user_ids: Iterable[int]) -> None:
    """Each one gets the conversation as `GET /conversations` lists it for them (their own
    `unread_count`), published in the caller's transaction and sent after it commits."""
    for user_id in sorted(set(user_ids)):
        [view] = conversation_views(user_id, [conversation])
        # The log keeps only the conversation's id: the payload names every participant and
        # quotes the last message, which may change or be taken back before a replay, so a
        # replay renders it anew (`replayed`), once per conversation. No subject: nothing to
        # redact under the log's lock on a diner's way in.
        publish(
            JOINED,
            conversation_schema.dump(view),
            user_room(user_id),
            log_payload={"conversation_id": conversation.id},
        )


def _conversation_ids(stored: list[Any]) -> list[Any]:
    """The `conversation_id` each stored payload names (None where it names none)."""
    return [item.get("conversation_id") if isinstance(item, dict) else None for item in stored]


def _in_now(reader_id: int, conversation_ids: set[int]) -> set[int]:
    """Which of these conversations the reader is in now."""
    if not conversation_ids:
        return set()
    return set(
        db.session.scalars(
            select(Participant.conversation_id).where(
                Participant.conversation_id.in_(conversation_ids),
                Participant.user_id == reader_id,
                Participant.left_at.is_(None),
            )
        )
    )


def replayed_message(reader_id: int, stored: list[Any]) -> list[Any]:
    """`message:created` as sent, to a reader still in its conversation only: one who left it
    (a meal's conversation after their signup ended) no longer reads it over REST."""
    wanted = _conversation_ids(stored)
    still = _in_now(reader_id, {i for i in wanted if isinstance(i, int)})
    return [item if i in still else None for item, i in zip(stored, wanted, strict=True)]


def replayed(reader_id: int, stored: list[Any]) -> list[dict[str, Any] | None]:
    """The conversations as `GET /conversations` lists them for the reader now; None for one
    they are no longer in (left, removed from a meal's conversation) or that is gone."""
    wanted = _conversation_ids(stored)
    ids = _in_now(reader_id, {i for i in wanted if isinstance(i, int)})
    found = (
        db.session.scalars(select(Conversation).where(Conversation.id.in_(ids))).all()
        if ids
        else []
    )
    views = {
        v.conversation.id: conversation_schema.dump(v)
        for v in conversation_views(reader_id, list(found))
    }
    # Joined again later (a diner back after cancelling): the latest joining stands alone.
    last = {i: at for at, i in enumerate(wanted) if isinstance(i, int)}
    return [
        views.get(i) if isinstance(i, int) and last[i] == at else None
        for at, i in enumerate(wanted)
    ]
