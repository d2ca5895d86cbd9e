"""Suspensions and who moderates what."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.moderation.models import Suspension


def active_suspension(user_id: int, neighbourhood_id: int) -> Suspension | None:
    """The suspension in force for a member of a neighbourhood, if any."""
    return db.session.execute(
        select(Suspension)
        .where(
            Suspension.user_id == user_id,
            Suspension.neighbourhood_id == neighbourhood_id,
            Suspension.lifted_at.is_(None),
            Suspension.ends_at > utcnow(),
        )
        .order_by(Suspension.ends_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def suspended_until(user_id: int, neighbourhood_id: int) -> datetime | None:
    suspension = active_suspension(user_id, neighbourhood_id)
    return suspension.ends_at if suspension else None
