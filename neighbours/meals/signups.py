"""Diners' signups: booking seats or the waitlist, seeing and cancelling one's own, and
withdrawing the future signups of someone who leaves."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, literal, null, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from neighbours.accounts.models import User
from neighbours.database import utcnow
from neighbours.errors import Conflict, Invalid, NotFound
from neighbours.extensions import db
from neighbours.meals import policies, texts
from neighbours.meals.conversations import join_diner
from neighbours.meals.ledger import (
    ACTIVE,
    active_signup,
    cancel_signup,
    change_seats,
    lock,
    publish_seats,
)
from neighbours.meals.models import (
    Meal,
    MealStatus,
    SeatPool,
    Signup,
    SignupStatus,
)
from neighbours.meals.views import (
    SignupView,
    pools_of,
    waitlist_position,
    warnings_for,
)


def sign_up(
    user: User, meal_id: int, pool_key: str, party_size: int, note: str | None
) -> SignupView:
    """Book `party_size` seats in a pool, or join its waitlist when it is full.

    Everything that needs no lock is read first (the meal, the membership, the pools, an
    earlier signup, the warnings); then, under the meal's lock, three statements: the signup
    (confirmed when the seats left take the party, decided by the database), the seats with
    the availability they leave, the event log; then the commit. The diner joins the meal's
    conversation right after (`conversations.join_diner`).
    """
    meal = policies.visible_meal(user, meal_id)
    policies.require_can_sign_up(user, meal)
    _require_open(meal)
    pools = {p.key: p for p in pools_of([meal.id])[meal.id]}
    pool = pools.get(pool_key)
    if pool is None:
        raise Invalid(
            "pool",
            _l("Not a pool of this meal: one of %(keys)s.", keys=", ".join(pools)),
            reason="not_one_of",
        )
    if party_size > pool.capacity:
        raise Invalid(
            "party_size",
            _l("This pool has only %(seats)s seats.", seats=pool.capacity),
            reason="seats_unavailable",
        )
    existing = db.session.execute(
        select(Signup.status).where(Signup.meal_id == meal.id, Signup.user_id == user.id)
    ).scalar_one_or_none()
    if existing in ACTIVE:
        raise Conflict(_ALREADY, reason="already_signed_up")
    warnings, unsuited = warnings_for(user, meal)
    ids = (meal.id, meal.canteen_id, user.id)
    lock(meal)
    _require_open(meal)  # as the lock found it: a cancellation may have come first
    row = _book(meal, pool, user.id, party_size, note)
    if row is None:  # signed up meanwhile (another request of theirs)
        db.session.rollback()
        raise Conflict(_ALREADY, reason="already_signed_up")
    confirmed = row.status == SignupStatus.CONFIRMED
    seats = change_seats(meal.id, pool.id, party_size if confirmed else 0)
    publish_seats(meal, seats.availability)
    # The answer, as committed: rows of the session are expired by the commit.
    signup = Signup(**row._asdict())
    signup.pool = SeatPool(id=pool.id, key=pool.key, label=pool.label, capacity=pool.capacity)
    db.session.commit()
    # The newest arrival is last on its pool's waitlist.
    position = None if confirmed else seats.waiting[signup.pool_id]
    if confirmed:
        join_diner(*ids)
    return SignupView(signup, position, warnings, unsuited)


_ALREADY = _l("You are already signed up for this meal.")


def _require_open(meal: Meal) -> None:
    if meal.status != MealStatus.PUBLISHED:
        raise Conflict(
            texts.because(texts.SIGNUPS_CLOSED_BECAUSE, meal.status, texts.SIGNUPS_CLOSED),
            reason="meal_cancelled" if meal.status == MealStatus.CANCELLED else "signups_closed",
        )
    if meal.signup_closes_at <= utcnow():
        raise Conflict(texts.SIGNUPS_CLOSED, reason="signups_closed")


def _book(meal: Meal, pool: SeatPool, user_id: int, party_size: int, note: str | None) -> Any:
    """Insert the signup, or take up the person's cancelled one, in one statement under the
    meal's lock: confirmed when the pool's seats left take the party (everyone waiting who fits
    has been served already, as every change promotes, so nobody else moves), else waitlisted
    behind everyone (its arrival number is the meal's new availability version). None when
    the person has an active signup. Returns the row as written."""
    fits = (
        select(SeatPool.taken + party_size <= SeatPool.capacity)
        .where(SeatPool.id == pool.id)
        .scalar_subquery()
    )
    now = utcnow()
    values = {
        "meal_id": meal.id,
        "user_id": user_id,
        "pool_id": pool.id,
        "party_size": party_size,
        "note": note,
        "status": case((fits, SignupStatus.CONFIRMED.value), else_=SignupStatus.WAITLISTED.value),
        "confirmed_at": case((fits, literal(now, Signup.confirmed_at.type)), else_=null()),
        "waitlist_seq": meal.availability_version,
        "created_at": now,
        "updated_at": now,
    }
    dialect = db.session.get_bind().dialect.name
    upsert = (pg_insert if dialect == "postgresql" else sqlite_insert)(Signup).values(values)
    taken_up = ("pool_id", "party_size", "note", "status", "confirmed_at", "waitlist_seq")
    stmt = upsert.on_conflict_do_update(
        index_elements=[Signup.meal_id, Signup.user_id],
        set_={
            **{name: upsert.excluded[name] for name in taken_up},
            "updated_at": now,
            "cancelled_at": None,
            "attendance": None,
            "contribution_cents": None,
            "checked_in_at": None,
        },
        where=Signup.status == SignupStatus.CANCELLED,
    ).returning(*Signup.__table__.c)
    return db.session.execute(stmt).one_or_none()


def my_signup(user: User, meal_id: int) -> SignupView:
    meal = policies.visible_meal(user, meal_id)
    signup = db.session.execute(
        select(Signup).where(Signup.meal_id == meal.id, Signup.user_id == user.id)
    ).scalar_one_or_none()
    if signup is None:
        raise NotFound(_l("You have not signed up for this meal."), reason="not_signed_up")
    warnings, unsuited = warnings_for(user, meal)
    return SignupView(signup, waitlist_position(signup), warnings, unsuited)


def cancel_my_signup(user: User, meal_id: int) -> None:
    """Cancel: the seats go to the waitlist in order."""
    meal = policies.visible_meal(user, meal_id)
    lock(meal)
    signup = active_signup(meal.id, user.id)
    if signup is None:
        raise NotFound(_l("You have no active signup for this meal."), reason="not_signed_up")
    if meal.starts_at <= utcnow():
        raise Conflict(_l("This meal has started; tell the host instead."), reason="meal_started")
    cancel_signup(meal, signup, actor_id=user.id)
    db.session.commit()


def withdraw_future_signups(
    user: User, neighbourhood_id: int | None = None, *, actor_id: int | None = None
) -> int:
    """Cancel a leaving person's signups for meals yet to start, in the caller's transaction:
    every neighbourhood (account deletion) or one (leaving, removal). Each seat goes to the
    waitlist as a cancellation's does, under the meal's lock.

    Meals are locked in id order, as everywhere, so this can't deadlock with other changes.
    Returns how many signups were cancelled.
    """
    stmt = (
        select(Signup.meal_id)
        .join(Meal, Meal.id == Signup.meal_id)
        .where(
            Signup.user_id == user.id,
            Signup.status.in_(ACTIVE),
            Meal.starts_at > utcnow(),
            Meal.status == MealStatus.PUBLISHED,
        )
        .order_by(Signup.meal_id)
    )
    if neighbourhood_id is not None:
        stmt = stmt.where(Meal.neighbourhood_id == neighbourhood_id)
    meal_ids = db.session.execute(stmt).scalars().all()
    cancelled = 0
    for meal_id in meal_ids:
        meal = db.session.get(Meal, meal_id)
        assert meal is not None
        lock(meal)
        signup = active_signup(meal.id, user.id)
        if signup is not None:
            cancel_signup(meal, signup, actor_id=user.id if actor_id is None else actor_id)
            cancelled += 1
    return cancelled
