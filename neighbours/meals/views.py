"""What a reader sees of meals: availability, their own signup, warnings for their diet."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from neighbours.accounts.models import User
from neighbours.database import utcnow
from neighbours.dietary import DIETS, clashing_allergens
from neighbours.extensions import db
from neighbours.meals import policies
from neighbours.meals.models import (
    Meal,
    MealStatus,
    SeatPool,
    Signup,
    SignupStatus,
)
from neighbours.messages.services import meal_conversation_id
from neighbours.neighbourhoods import policies as neighbourhood_policies
from neighbours.pagination import Page, SortKey, paginate
from neighbours.views import View

ACTIVE = (SignupStatus.CONFIRMED, SignupStatus.WAITLISTED)


@dataclass
class MealView(View, row="meal"):
    """A meal with its pools' availability (and, for a diner, their own signup)."""

    meal: Meal
    pools: list[SeatPool]
    waitlists: dict[int, int]
    my_signup: Signup | None = None
    my_position: int | None = None
    warnings: list[str] = field(default_factory=list)
    unsuited_diets: list[str] = field(default_factory=list)
    conversation_id: int | None = None

    @property
    def status(self) -> str:
        return effective_status(self.meal)

    @property
    def availability(self) -> dict[str, dict[str, int]]:
        return availability(self.pools, self.waitlists)


def effective_status(meal: Meal) -> str:
    """A published meal whose end has passed is `done`."""
    if meal.status == MealStatus.PUBLISHED and meal.ends_at <= utcnow():
        return MealStatus.DONE.value
    return meal.status.value


def availability(pools: list[SeatPool], waitlists: dict[int, int]) -> dict[str, dict[str, int]]:
    return {
        pool.key: {
            "capacity": pool.capacity,
            "taken": pool.taken,
            "left": pool.capacity - pool.taken,
            "waitlist": waitlists.get(pool.id, 0),
        }
        for pool in pools
    }


def pools_of(meal_ids: list[int], *, fresh: bool = False) -> dict[int, list[SeatPool]]:
    pools: dict[int, list[SeatPool]] = {mid: [] for mid in meal_ids}
    if meal_ids:
        stmt = (
            select(SeatPool)
            .where(SeatPool.meal_id.in_(meal_ids))
            .order_by(SeatPool.meal_id, SeatPool.position, SeatPool.id)
        )
        if fresh:
            stmt = stmt.execution_options(populate_existing=True)
        for pool in db.session.execute(stmt).scalars():
            pools[pool.meal_id].append(pool)
    return pools


def waitlist_counts(meal_ids: list[int]) -> dict[int, int]:
    if not meal_ids:
        return {}
    rows = db.session.execute(
        select(Signup.pool_id, func.count())
        .where(Signup.meal_id.in_(meal_ids), Signup.status == SignupStatus.WAITLISTED)
        .group_by(Signup.pool_id)
    ).all()
    return {pool_id: n for pool_id, n in rows}


def waitlist_position(signup: Signup) -> int | None:
    if signup.status != SignupStatus.WAITLISTED:
        return None
    ahead = db.session.execute(
        select(func.count()).where(
            Signup.pool_id == signup.pool_id,
            Signup.status == SignupStatus.WAITLISTED,
            Signup.waitlist_seq < signup.waitlist_seq,
        )
    ).scalar_one()
    return ahead + 1


def warnings_for(user: User, meal: Meal) -> tuple[list[str], list[str]]:
    clashes = clashing_allergens(list(user.allergens or []), list(meal.allergens or []))
    unsuited = [d for d in DIETS if d in (user.diets or []) and d not in (meal.diets or [])]
    return clashes, unsuited


def _my_signup(user: User, meal_id: int) -> Signup | None:
    return db.session.execute(
        select(Signup).where(
            Signup.meal_id == meal_id, Signup.user_id == user.id, Signup.status.in_(ACTIVE)
        )
    ).scalar_one_or_none()


def meal_view(user: User, meal: Meal) -> MealView:
    pools = pools_of([meal.id])[meal.id]
    mine = _my_signup(user, meal.id)
    warnings, unsuited = warnings_for(user, meal)
    return MealView(
        meal,
        pools,
        waitlist_counts([meal.id]),
        my_signup=mine,
        my_position=waitlist_position(mine) if mine else None,
        warnings=warnings,
        unsuited_diets=unsuited,
        conversation_id=meal_conversation_id(meal.id),
    )


def get_meal(user: User, meal_id: int) -> MealView:
    return meal_view(user, policies.visible_meal(user, meal_id))


def list_meals(
    user: User,
    neighbourhood_id: int,
    *,
    from_: datetime | None,
    to: datetime | None,
    limit: int,
    after: str | None,
) -> Page[MealView]:
    """Upcoming published meals, soonest first, with availability: four queries a page."""
    neighbourhood = neighbourhood_policies.get_neighbourhood(neighbourhood_id)
    neighbourhood_policies.require_member(user, neighbourhood)
    stmt = select(Meal).where(
        Meal.neighbourhood_id == neighbourhood.id,
        Meal.status == MealStatus.PUBLISHED,
        Meal.starts_at >= (from_ or utcnow()),
    )
    if to is not None:
        stmt = stmt.where(Meal.starts_at < to)
    page = paginate(
        db.session,
        stmt,
        [SortKey(Meal.starts_at), SortKey(Meal.id)],
        lambda m: [m.starts_at, m.id],
        limit=limit,
        after=after,
    )
    ids = [m.id for m in page.items]
    pools = pools_of(ids)
    waitlists = waitlist_counts(ids)
    mine: dict[int, Signup] = {}
    if ids:
        mine = {
            s.meal_id: s
            for s in db.session.execute(
                select(Signup).where(
                    Signup.meal_id.in_(ids), Signup.user_id == user.id, Signup.status.in_(ACTIVE)
                )
            ).scalars()
        }
    views = []
    for meal in page.items:
        warnings, unsuited = warnings_for(user, meal)
        views.append(
            MealView(meal, pools[meal.id], waitlists, mine.get(meal.id), None, warnings, unsuited)
        )
    return Page(views, page.next_cursor)


def watchable_meal(user: User, meal_id: int) -> tuple[int, dict[str, dict[str, int]], int]:
    """For `meal:watch`: the meal's neighbourhood, availability and its version, if the caller
    may see it."""
    meal = policies.visible_meal(user, meal_id)
    seats = availability(pools_of([meal.id])[meal.id], waitlist_counts([meal.id]))
    return meal.neighbourhood_id, seats, meal.availability_version


@dataclass
class SignupView(View, row="signup"):
    signup: Signup
    waitlist_position: int | None
    warnings: list[str] = field(default_factory=list)
    unsuited_diets: list[str] = field(default_factory=list)
