"""A meal's life: created (draft or published), edited, published, cancelled with notice."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from neighbours.accounts.models import User
from neighbours.accounts.schemas import person
from neighbours.database import utcnow
from neighbours.errors import Conflict, Invalid
from neighbours.extensions import db
from neighbours.meals import policies, texts
from neighbours.meals.conversations import sync_conversation
from neighbours.meals.ledger import (
    ACTIVE,
    announce,
    lock,
    promote_waitlist,
    publish_availability,
    snapshot,
)
from neighbours.meals.models import (
    Canteen,
    Meal,
    MealStatus,
    SeatPool,
    Signup,
    SignupStatus,
)
from neighbours.meals.views import MealView, effective_status, meal_view, pools_of, waitlist_counts
from neighbours.notifications.services import notify
from neighbours.timefmt import iso

KITCHEN_LEAD = timedelta(hours=2)


def _default_pools(canteen: Canteen, starts_at: datetime) -> list[dict[str, Any]]:
    capacity = canteen.default_capacity
    return [
        {"key": "table", "label": "At the table", "capacity": capacity},
        {
            "key": "kitchen",
            "label": "Cooking in the kitchen",
            "capacity": max(1, capacity // 6),
            "starts_at": starts_at - KITCHEN_LEAD,
        },
    ]


_IN_THE_FUTURE = _l("Must be in the future.")


def _check_times(starts_at: datetime, ends_at: datetime, closes_at: datetime) -> None:
    if ends_at <= starts_at:
        raise Invalid("ends_at", _l("Must be after starts_at."), reason="ends_before_start")
    if closes_at > starts_at:
        raise Invalid(
            "signup_closes_at", _l("Must not be after starts_at."), reason="closes_after_start"
        )


def create_meal(
    user: User, canteen_id: int, fields: dict[str, Any], *, publish_now: bool
) -> MealView:
    canteen = policies.visible_canteen(user, canteen_id)
    policies.require_host(user, canteen.id)
    starts_at = fields["starts_at"]
    if starts_at <= utcnow():
        raise Invalid("starts_at", _IN_THE_FUTURE, reason="meal_in_past")
    closes_at = fields.get("signup_closes_at") or starts_at
    _check_times(starts_at, fields["ends_at"], closes_at)
    pool_specs = fields.get("pools") or _default_pools(canteen, starts_at)
    meal = Meal(
        canteen_id=canteen.id,
        neighbourhood_id=canteen.neighbourhood_id,
        title=fields["title"],
        menu=fields.get("menu", ""),
        starts_at=starts_at,
        ends_at=fields["ends_at"],
        signup_closes_at=closes_at,
        allergens=fields.get("allergens", []),
        diets=fields.get("diets", []),
        cost_price_cents=fields.get("cost_price_cents", 0),
        status=MealStatus.PUBLISHED if publish_now else MealStatus.DRAFT,
        created_by_id=user.id,
        availability_version=0,
    )
    meal.pools = [
        SeatPool(
            key=spec["key"],
            label=spec.get("label") or spec["key"].replace("_", " ").capitalize(),
            capacity=spec["capacity"],
            taken=0,
            starts_at=spec.get("starts_at"),
            position=position,
        )
        for position, spec in enumerate(pool_specs)
    ]
    db.session.add(meal)
    db.session.flush()
    if publish_now:
        publish_availability(meal, meal.pools, {})
    sync_conversation(meal)
    db.session.commit()
    return meal_view(user, meal)


def update_meal(user: User, meal_id: int, fields: dict[str, Any]) -> MealView:
    """Edit a meal; capacity changes can't go below the seats taken and promote the waitlist."""
    meal = policies.hosted_meal(user, meal_id)
    pool_changes = fields.pop("pools", None)
    if meal.status == MealStatus.CANCELLED:
        raise Conflict(_l("This meal is cancelled."), reason="meal_cancelled")
    if "starts_at" in fields and fields["starts_at"] <= utcnow():
        raise Invalid("starts_at", _IN_THE_FUTURE, reason="meal_in_past")
    lock(meal)
    before = snapshot(meal.id)
    for name, value in fields.items():
        setattr(meal, name, value)
    _check_times(meal.starts_at, meal.ends_at, meal.signup_closes_at)
    pools = {p.key: p for p in pools_of([meal.id], fresh=True)[meal.id]}
    for spec in pool_changes or []:
        pool = pools.get(spec["key"])
        if pool is None:
            if "capacity" not in spec:
                raise Invalid(
                    "pools",
                    _l("New pool '%(key)s' needs a capacity.", key=spec["key"]),
                    reason="pool_capacity_required",
                )
            pool = SeatPool(
                meal_id=meal.id,
                key=spec["key"],
                label=spec.get("label") or spec["key"].capitalize(),
                capacity=spec["capacity"],
                taken=0,
                starts_at=spec.get("starts_at"),
                position=len(pools),
            )
            db.session.add(pool)
            pools[pool.key] = pool
            continue
        if "capacity" in spec:
            changed = db.session.execute(
                update(SeatPool)
                .where(SeatPool.id == pool.id, SeatPool.taken <= spec["capacity"])
                .values(capacity=spec["capacity"])
                .execution_options(synchronize_session=False)
            )
            db.session.refresh(pool)
            if changed.rowcount != 1:
                raise Conflict(
                    _l(
                        "Pool '%(key)s' has %(taken)s seats taken; capacity can't go below.",
                        key=pool.key,
                        taken=pool.taken,
                    ),
                    reason="capacity_below_taken",
                )
        for attr in ("label", "starts_at"):
            if attr in spec:
                setattr(pool, attr, spec[attr])
        promote_waitlist(pool)
    announce(meal, before, actor_id=None)
    sync_conversation(meal)
    db.session.commit()
    return meal_view(user, meal)


def publish_meal(user: User, meal_id: int) -> MealView:
    meal = policies.hosted_meal(user, meal_id)
    lock(meal)
    if meal.status != MealStatus.DRAFT:
        raise Conflict(
            texts.because(texts.NOT_A_DRAFT_BECAUSE, meal.status, texts.NOT_A_DRAFT),
            reason="not_a_draft",
        )
    if meal.starts_at <= utcnow():
        raise Conflict(_l("This meal's start time has passed."), reason="meal_in_past")
    meal.status = MealStatus.PUBLISHED
    db.session.flush()
    publish_availability(meal, pools_of([meal.id])[meal.id], waitlist_counts([meal.id]))
    sync_conversation(meal)
    db.session.commit()
    return meal_view(user, meal)


def cancel_meal(user: User, meal_id: int, reason: str) -> MealView:
    """Cancel with notice: every signup ends and each diner is told why."""
    meal = policies.hosted_meal(user, meal_id)
    lock(meal)
    if meal.status in (MealStatus.CANCELLED,) or effective_status(meal) == MealStatus.DONE:
        status = effective_status(meal)
        raise Conflict(
            texts.because(texts.ALREADY_ENDED_BECAUSE, status, texts.ALREADY_ENDED),
            reason="meal_cancelled" if status == MealStatus.CANCELLED else "meal_over",
        )
    cancel_locked(meal, user, reason)
    db.session.commit()
    return meal_view(user, meal)


def cancel_locked(meal: Meal, user: User, reason: str) -> None:
    """Cancel a meal whose lock the caller holds, in the caller's transaction: every signup
    ends, each diner is told why (`user` as the actor), seats and live views follow."""
    before = snapshot(meal.id)
    now = utcnow()
    meal.status = MealStatus.CANCELLED
    meal.cancel_reason = reason
    meal.cancelled_at = now
    signups = (
        db.session.execute(
            select(Signup).where(Signup.meal_id == meal.id, Signup.status.in_(ACTIVE))
        )
        .scalars()
        .all()
    )
    for signup in signups:
        signup.status = SignupStatus.CANCELLED
        signup.cancelled_at = now
        notify(
            signup.user_id,
            "meal_cancelled",
            {
                "meal_id": meal.id,
                "meal_title": meal.title,
                "starts_at": iso(meal.starts_at),
                "reason": reason,
                "actor": person(user),
            },
        )
    for pool in pools_of([meal.id], fresh=True)[meal.id]:
        pool.taken = 0
    announce(meal, before, actor_id=None)
