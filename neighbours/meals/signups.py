"""Diners' signups: booking seats or the waitlist, seeing and cancelling one's own, and
withdrawing the future signups of someone who leaves."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from neighbours.accounts.models import User
from neighbours.database import utcnow
from neighbours.errors import Conflict, Invalid, NotFound
from neighbours.extensions import db
from neighbours.meals import policies, texts
from neighbours.meals.conversations import sync_conversation
from neighbours.meals.ledger import (
    ACTIVE,
    active_signup,
    cancel_signup,
    lock,
    publish_availability,
    take_seats,
)
from neighbours.meals.models import (
    Meal,
    MealStatus,
    Signup,
    SignupStatus,
)
from neighbours.meals.views import (
    SignupView,
    pools_of,
    waitlist_counts,
    waitlist_position,
    warnings_for,
)


def sign_up(
    user: User, meal_id: int, pool_key: str, party_size: int, note: str | None
) -> SignupView:
    """Book `party_size` seats in a pool, or join its waitlist when it is full."""
    meal = policies.visible_meal(user, meal_id)
    policies.require_can_sign_up(user, meal)
    lock(meal)
    if meal.status != MealStatus.PUBLISHED:
        raise Conflict(
            texts.because(texts.SIGNUPS_CLOSED_BECAUSE, meal.status, texts.SIGNUPS_CLOSED),
            reason="meal_cancelled" if meal.status == MealStatus.CANCELLED else "signups_closed",
        )
    if meal.signup_closes_at <= utcnow():
        raise Conflict(texts.SIGNUPS_CLOSED, reason="signups_closed")
    pools = {p.key: p for p in pools_of([meal.id], fresh=True)[meal.id]}
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
        select(Signup)
        .where(Signup.meal_id == meal.id, Signup.user_id == user.id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if existing is not None and existing.status in ACTIVE:
        raise Conflict(_l("You are already signed up for this meal."), reason="already_signed_up")
    signup = existing or Signup(meal_id=meal.id, user_id=user.id)
    signup.pool_id = pool.id
    signup.party_size = party_size
    signup.note = note
    signup.waitlist_seq = meal.availability_version
    signup.cancelled_at = None
    signup.attendance = None
    signup.contribution_cents = None
    signup.checked_in_at = None
    # Everyone waiting who fits has been served already (every change promotes), so the
    # newcomer is confirmed exactly when the seats left can take them; nobody else moves.
    if party_size <= pool.capacity - pool.taken and take_seats(pool, party_size):
        signup.status = SignupStatus.CONFIRMED
        signup.confirmed_at = utcnow()
    else:
        signup.status = SignupStatus.WAITLISTED
        signup.confirmed_at = None
    db.session.add(signup)
    db.session.flush()
    publish_availability(meal, pools_of([meal.id], fresh=True)[meal.id], waitlist_counts([meal.id]))
    if signup.status == SignupStatus.CONFIRMED:
        sync_conversation(meal)
    db.session.commit()
    warnings, unsuited = warnings_for(user, meal)
    return SignupView(signup, waitlist_position(signup), warnings, unsuited)


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
