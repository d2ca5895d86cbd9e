"""What the job runner sent about meals: one row per reminder, brief and digest.

Each row is claimed (`jobs.claim_once`: INSERT ... ON CONFLICT DO NOTHING) in the transaction
that stores the notification, so however many consumers run a task, and however often, each
thing is sent once: the primary key is the "once".
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from neighbours.extensions import db


class MealReminder(db.Model):
    """A reminder sent for a signup: `diner`, `kitchen` or `waitlist`."""

    __tablename__ = "meal_reminders"

    signup_id: Mapped[int] = mapped_column(
        ForeignKey("signups.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    meal_id: Mapped[int] = mapped_column(ForeignKey("meals.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sent_at: Mapped[datetime]


class HostBrief(db.Model):
    """A morning brief sent to one host about one meal."""

    __tablename__ = "host_briefs"

    meal_id: Mapped[int] = mapped_column(
        ForeignKey("meals.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    sent_at: Mapped[datetime]


class SeatDigest(db.Model):
    """The free-seats digest of one person for one (local) day; `meals` 0: nothing to say,
    and nothing sent."""

    __tablename__ = "seat_digests"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    meals: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime]
