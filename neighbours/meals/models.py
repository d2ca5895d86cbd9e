"""The tables the meals feature owns."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from neighbours.accounts.models import User
from neighbours.database import TimestampMixin, string_enum, utcnow
from neighbours.extensions import db


class MealStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    DONE = "done"


class SignupStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class Attendance(enum.StrEnum):
    ATTENDED = "attended"
    NO_SHOW = "no_show"


class Canteen(TimestampMixin, db.Model):
    __tablename__ = "canteens"

    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhoods.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    default_capacity: Mapped[int] = mapped_column(Integer)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # ISO 4217: what its meals' `cost_price_cents` (minor units) and contributions are in.
    currency: Mapped[str] = mapped_column(String(3), default="EUR", server_default="EUR")
    # How long before a meal its confirmed diners are reminded (its kitchen volunteers: before
    # cooking starts; the waitlisted hear then that they still wait): `meals.reminders`.
    reminder_minutes: Mapped[int] = mapped_column(Integer, default=180, server_default="180")
    # The local time (HH:MM, in `timezone`) the hosts of the day's meals get their brief.
    brief_at: Mapped[str] = mapped_column(String(5), default="08:00", server_default="08:00")


class CanteenHost(db.Model):
    __tablename__ = "canteen_hosts"

    canteen_id: Mapped[int] = mapped_column(
        ForeignKey("canteens.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class MealSeries(TimestampMixin, db.Model):
    """A canteen's rhythm ("every weekday at 12:30"): the template its meals are generated
    from, some weeks ahead (`neighbours.meals.series`). Times are local to the canteen."""

    __tablename__ = "meal_series"
    __table_args__ = (
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        CheckConstraint("count IS NULL OR count > 0", name="count_positive"),
        CheckConstraint("cost_price_cents >= 0", name="cost_price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    canteen_id: Mapped[int] = mapped_column(
        ForeignKey("canteens.id", ondelete="CASCADE"), index=True
    )
    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhoods.id", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(String(120))
    menu: Mapped[str] = mapped_column(Text, default="")
    allergens: Mapped[list[str]] = mapped_column(JSON, default=list)
    diets: Mapped[list[str]] = mapped_column(JSON, default=list)
    cost_price_cents: Mapped[int] = mapped_column(Integer, default=0)
    # The RRULE subset of `neighbours.meals.recurrence`, normalised ("FREQ=WEEKLY;BYDAY=MO").
    rrule: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date]
    start_time: Mapped[time]
    duration_minutes: Mapped[int] = mapped_column(Integer)
    signup_closes_before_minutes: Mapped[int] = mapped_column(Integer, default=0)
    # [{key, label, capacity, start_time: "HH:MM" | None}], local times of the meal's day.
    pools: Mapped[list[dict]] = mapped_column(JSON, default=list)
    until: Mapped[date | None]
    count: Mapped[int | None] = mapped_column(Integer)
    # Generated meals are published at once (True) or drafts.
    publish: Mapped[bool] = mapped_column(Boolean, default=False)
    ended_at: Mapped[datetime | None]
    # Bumped by every change and every generation: taking it is how they lock the series.
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    canteen: Mapped[Canteen] = relationship()


class SeriesSkip(db.Model):
    """A date a series has no meal (a holiday): never generated again."""

    __tablename__ = "meal_series_skips"

    series_id: Mapped[int] = mapped_column(
        ForeignKey("meal_series.id", ondelete="CASCADE"), primary_key=True
    )
    occurrence_date: Mapped[date] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CalendarFeed(db.Model):
    """A person's secret calendar feed URL, kept only as the SHA-256 of its secret."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Meal(TimestampMixin, db.Model):
    __tablename__ = "meals"
    __table_args__ = (
        Index(
            "ix_meals_neighbourhood_id_status_starts_at_id",
            "neighbourhood_id",
            "status",
            "starts_at",
            "id",
        ),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("cost_price_cents >= 0", name="cost_price_not_negative"),
        # One meal per date of a series, however many workers generate at once.
        UniqueConstraint("series_id", "occurrence_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    canteen_id: Mapped[int] = mapped_column(
        ForeignKey("canteens.id", ondelete="CASCADE"), index=True
    )
    # Copied from the canteen so that neighbourhood listings need no join.
    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhoods.id", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(String(120))
    menu: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    signup_closes_at: Mapped[datetime]
    allergens: Mapped[list[str]] = mapped_column(JSON, default=list)
    diets: Mapped[list[str]] = mapped_column(JSON, default=list)
    cost_price_cents: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[MealStatus] = mapped_column(
        string_enum(MealStatus, "meal_status"), default=MealStatus.DRAFT
    )
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None]
    # Bumped by every change to seats; taking it is also how a change locks the meal.
    availability_version: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The series it was generated from, and the date of the rule it stands for (kept when
    # "this meal only" moves it): the key that makes generation idempotent.
    series_id: Mapped[int | None] = mapped_column(ForeignKey("meal_series.id", ondelete="SET NULL"))
    occurrence_date: Mapped[date | None]
    # The iCalendar SEQUENCE: raised by every change of what a calendar shows (`_sequence`).
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    canteen: Mapped[Canteen] = relationship()
    pools: Mapped[list[SeatPool]] = relationship(
        back_populates="meal", order_by="SeatPool.position", cascade="all, delete-orphan"
    )


class SeatPool(db.Model):
    """Seats of one kind at a meal (the table, the kitchen), with its own capacity."""

    __tablename__ = "seat_pools"
    __table_args__ = (
        UniqueConstraint("meal_id", "key"),
        # The database is the referee: no code path can oversell a pool.
        CheckConstraint("taken <= capacity", name="taken_within_capacity"),
        CheckConstraint("taken >= 0", name="taken_not_negative"),
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meal_id: Mapped[int] = mapped_column(ForeignKey("meals.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(60))
    capacity: Mapped[int] = mapped_column(Integer)
    taken: Mapped[int] = mapped_column(Integer, default=0)
    starts_at: Mapped[datetime | None]
    position: Mapped[int] = mapped_column(Integer, default=0)

    meal: Mapped[Meal] = relationship(back_populates="pools")


class Signup(TimestampMixin, db.Model):
    __tablename__ = "signups"
    __table_args__ = (
        UniqueConstraint("meal_id", "user_id"),
        Index("ix_signups_pool_id_status_waitlist_seq", "pool_id", "status", "waitlist_seq"),
        Index("ix_signups_user_id", "user_id"),
        CheckConstraint("party_size BETWEEN 1 AND 4", name="party_size_range"),
        CheckConstraint("contribution_cents >= 0", name="contribution_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meal_id: Mapped[int] = mapped_column(ForeignKey("meals.id", ondelete="CASCADE"))
    pool_id: Mapped[int] = mapped_column(ForeignKey("seat_pools.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    party_size: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[SignupStatus] = mapped_column(string_enum(SignupStatus, "signup_status"))
    # Arrival order within the pool; the waitlist is served strictly by it.
    waitlist_seq: Mapped[int] = mapped_column(BigInteger)
    confirmed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    attendance: Mapped[Attendance | None] = mapped_column(string_enum(Attendance, "attendance"))
    contribution_cents: Mapped[int | None] = mapped_column(Integer)
    checked_in_at: Mapped[datetime | None]
    checked_in_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    pool: Mapped[SeatPool] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])


# What a calendar shows of a meal: a change to any of these raises its SEQUENCE.
CALENDAR_FIELDS = ("title", "menu", "starts_at", "ends_at", "status", "cancel_reason")


@event.listens_for(Session, "before_flush")
def _sequence(session: Session, _context: object, _instances: object) -> None:
    """Raise the SEQUENCE of every meal whose calendar fields change, whatever the code path
    (an edit, publishing, cancelling, a series edit); seat changes (the meal lock's UPDATE)
    are not calendar changes."""
    for obj in session.dirty:
        if isinstance(obj, Meal) and session.is_modified(obj, include_collections=False):
            state = inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in CALENDAR_FIELDS):
                obj.sequence = Meal.sequence + 1
