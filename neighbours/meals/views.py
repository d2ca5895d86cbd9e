"""What a reader sees of meals: availability, their own signup, warnings for their diet."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, func, inspect, select
from sqlalchemy.orm import aliased

from neighbours.accounts.models import User
from neighbours.database import utcnow
from neighbours.dietary import clashing_allergens, unsuited_diets
from neighbours.extensions import db
from neighbours.meals import policies
from neighbours.meals.models import (
    Canteen,
    Meal,
    MealStatus,
    SeatPool,
    Signup,
    SignupStatus,
)
from neighbours.messages.services import meal_conversation_id
from neighbours.views import View

ACTIVE = (SignupStatus.CONFIRMED, SignupStatus.WAITLISTED)


@dataclass
class SignupView(View, row="signup"):
    signup: Signup
    waitlist_position: int | None
    warnings: list[str] = field(default_factory=list)
    unsuited_diets: list[str] = field(default_factory=list)

    @property
    def dietary(self) -> dict[str, list[str]]:
        """The diner's declared needs, for the hosts' list."""
        return self.signup.user.dietary


@dataclass
class MealView(View, row="meal"):
    """A meal with its canteen, its pools' availability and, for the reader, whether they host
    it, their own signup (with its waitlist position) and what in it doesn't suit them."""

    meal: Meal
    pools: list[SeatPool]
    waitlists: dict[int, int]
    my_signup: SignupView | None = None
    warnings: list[str] = field(default_factory=list)
    unsuited_diets: list[str] = field(default_factory=list)
    conversation_id: int | None = None
    is_host: bool = False

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
    return waitlist_positions([signup]).get(signup.id)


def waitlist_positions(signups: list[Signup]) -> dict[int, int]:
    """Signup id -> place on its pool's waitlist (1: the next served), for the waitlisted
    ones among `signups`: one query, none when nobody waits."""
    waiting = [s.id for s in signups if s.status == SignupStatus.WAITLISTED]
    if not waiting:
        return {}
    ahead = aliased(Signup)
    rows = db.session.execute(
        select(Signup.id, func.count(ahead.id))
        .join(
            ahead,
            and_(
                ahead.pool_id == Signup.pool_id,
                ahead.status == SignupStatus.WAITLISTED,
                ahead.waitlist_seq <= Signup.waitlist_seq,
            ),
        )
        .where(Signup.id.in_(waiting))
        .group_by(Signup.id)
    ).all()
    return {signup_id: n for signup_id, n in rows}


def warnings_for(user: User, meal: Meal) -> tuple[list[str], list[str]]:
    clashes = clashing_allergens(list(user.allergens or []), list(meal.allergens or []))
    unsuited = unsuited_diets(list(user.diets or []), list(meal.diets or []))
    return clashes, unsuited


def meal_views(user: User, meals: list[Meal]) -> list[MealView]:
    """Views of several meals for one reader in a bounded number of queries, whatever their
    number: canteens, pools, waitlists, the reader's signups (and waitlist positions) and the
    canteens they host."""
    ids = [m.id for m in meals]
    if not ids:
        return []
    canteen_ids = sorted({m.canteen_id for m in meals})
    unloaded = sorted({m.canteen_id for m in meals if "canteen" in inspect(m).unloaded})
    if unloaded:
        # Into the session: each `meal.canteen` is then read from it, without a query.
        db.session.execute(select(Canteen).where(Canteen.id.in_(unloaded))).scalars().all()
    pools = pools_of(ids)
    waitlists = waitlist_counts(ids)
    mine = {
        s.meal_id: s
        for s in db.session.execute(
            select(Signup)
            .where(Signup.meal_id.in_(ids), Signup.user_id == user.id, Signup.status.in_(ACTIVE))
            .options(db.joinedload(Signup.pool))
        ).scalars()
    }
    positions = waitlist_positions(list(mine.values()))
    hosted = policies.hosted_canteens(user, canteen_ids)
    views = []
    for meal in meals:
        warnings, unsuited = warnings_for(user, meal)
        signup = mine.get(meal.id)
        views.append(
            MealView(
                meal,
                pools[meal.id],
                waitlists,
                SignupView(signup, positions.get(signup.id)) if signup else None,
                warnings,
                unsuited,
                is_host=meal.canteen_id in hosted,
            )
        )
    return views


def meal_view(user: User, meal: Meal) -> MealView:
    view = meal_views(user, [meal])[0]
    view.conversation_id = meal_conversation_id(meal.id)
    return view


def watchable_meal(user: User, meal_id: int) -> tuple[int, dict[str, dict[str, int]], int]:
    """For `meal:watch`: the meal's neighbourhood, availability and its version, if the caller
    may see it."""
    meal = policies.visible_meal(user, meal_id)
    seats = availability(pools_of([meal.id])[meal.id], waitlist_counts([meal.id]))
    return meal.neighbourhood_id, seats, meal.availability_version


def neighbourhoods_of(meal_ids: list[int]) -> dict[int, int]:
    """Meal id -> its neighbourhood id, for those of `meal_ids` that exist (one query)."""
    return dict(
        db.session.execute(
            select(Meal.id, Meal.neighbourhood_id).where(Meal.id.in_(meal_ids))
        ).all()
    )
