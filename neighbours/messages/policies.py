"""Only participants read or write a conversation; blocks and suspensions stop writing."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from neighbours.accounts.models import Block, User
from neighbours.errors import Forbidden, NotFound
from neighbours.extensions import db
from neighbours.messages.models import Conversation, Participant
from neighbours.moderation.policies import refuse_writing
from neighbours.neighbourhoods import policies as neighbourhood_policies

CANT_WRITE_HERE = _l("You can't send messages in this neighbourhood right now.")


def participation(user: User, conversation_id: int) -> tuple[Conversation, Participant]:
    """The conversation and the caller's place in it; 404 for anyone not taking part."""
    row = db.session.execute(
        select(Conversation, Participant)
        .join(Participant, Participant.conversation_id == Conversation.id)
        .where(
            Conversation.id == conversation_id,
            Participant.user_id == user.id,
            Participant.left_at.is_(None),
        )
    ).first()
    if row is None:
        raise NotFound()
    return row[0], row[1]


def blocked_by_any(user_id: int, other_ids: list[int]) -> bool:
    """Whether any of `other_ids` has blocked `user_id`."""
    if not other_ids:
        return False
    return bool(
        db.session.execute(
            select(exists().where(Block.blocked_id == user_id, Block.blocker_id.in_(other_ids)))
        ).scalar()
    )


def require_can_write(user: User, conversation: Conversation, other_ids: list[int]) -> None:
    if not neighbourhood_policies.can_write(user, conversation.neighbourhood_id):
        raise refuse_writing(user, conversation.neighbourhood_id, CANT_WRITE_HERE)
    if blocked_by_any(user.id, other_ids):
        raise Forbidden(_l("You can't write to someone who has blocked you."), reason="blocked")
