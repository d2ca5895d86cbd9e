"""Suspensions: a member reads but can't write in a neighbourhood until it ends.

Moderation decides them; the neighbourhoods feature looks them up (`active_suspension`, used
by `can_write`) and owns their table, since it sits below every feature that writes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from neighbours.accounts.models import User
from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.moderation.models import Suspension
from neighbours.neighbourhoods.policies import active_suspension
from neighbours.realtime.publish import publish_membership_change

__all__ = ["active_suspension", "suspend"]


def suspend(
    moderator: User,
    neighbourhood_id: int,
    user_id: int,
    days: int,
    reason: str | None,
    *,
    now: datetime | None = None,
) -> datetime:
    """Suspend a member for `days` from `now`, in the caller's transaction; when it ends."""
    now = now or utcnow()
    ends_at = now + timedelta(days=days)
    db.session.add(
        Suspension(
            neighbourhood_id=neighbourhood_id,
            user_id=user_id,
            ends_at=ends_at,
            reason=reason,
            created_by_id=moderator.id,
            created_at=now,
        )
    )
    publish_membership_change(user_id)  # their sockets leave the rooms
    return ends_at
