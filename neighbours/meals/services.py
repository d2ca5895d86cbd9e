"""Meal rules and their transactions: seats, the waitlist, check-in, summaries.

Every change to a meal's seats starts by taking the meal's row lock (an UPDATE that bumps
its availability version), so signups, cancellations and capacity changes of one meal run
one at a time and the waitlist is served in arrival order. The CHECK on
`seat_pools.taken <= capacity` is the last word: no code path can oversell a pool.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update

from neighbours.accounts.models import User
from neighbours.database import utcnow
from neighbours.dietary import DIETS, EU_ALLERGENS, clashing_allergens
from neighbours.errors import Conflict, Invalid, NotFound
from neighbours.extensions import db
from neighbours.meals import policies
from neighbours.meals.models import (
    Attendance,
    Canteen,
    CanteenHost,
    Meal,
    MealStatus,
    SeatPool,
    Signup,
    SignupStatus,
)
from neighbours.neighbourhoods import policies as neighbourhood_policies
from neighbours.neighbourhoods.models import Membership, Role
from neighbours.notifications.services import notify
from neighbours.pagination import Page, SortKey, paginate
from neighbours.realtime.publish import publish, publish_membership_change
from neighbours.realtime.rooms import meal_room, neighbourhood_room, user_room

ACTIVE = (SignupStatus.CONFIRMED, SignupStatus.WAITLISTED)
KITCHEN_LEAD = timedelta(hours=2)


# --- canteens -----------------------------------------------------------------------------


def create_canteen(user: User, neighbourhood_id: int, fields: dict[str, Any]) -> Canteen:
    neighbourhood = neighbourhood_policies.get_neighbourhood(neighbourhood_id)
    neighbourhood_policies.require_moderator(user, neighbourhood)
    canteen = Canteen(neighbourhood_id=neighbourhood.id, **fields)
    db.session.add(canteen)
    db.session.commit()
    return canteen


def list_canteens(
    user: User, neighbourhood_id: int, *, limit: int, after: str | None
) -> Page[Canteen]:
    neighbourhood = neighbourhood_policies.get_neighbourhood(neighbourhood_id)
    neighbourhood_policies.require_member(user, neighbourhood)
    stmt = select(Canteen).where(Canteen.neighbourhood_id == neighbourhood.id)
    return paginate(
        db.session, stmt, [SortKey(Canteen.id)], lambda c: [c.id], limit=limit, after=after
    )


def update_canteen(user: User, canteen_id: int, fields: dict[str, Any]) -> Canteen:
    canteen = policies.visible_canteen(user, canteen_id)
    policies.require_canteen_manager(user, canteen)
    for name, value in fields.items():
        setattr(canteen, name, value)
    db.session.commit()
    return canteen


def canteen_hosts(canteen_ids: list[int]) -> dict[int, list[User]]:
    """The current hosts of several canteens in one query (see `policies.current_hosts`)."""
    hosts: dict[int, list[User]] = {cid: [] for cid in canteen_ids}
    if canteen_ids:
        current = (
            policies.current_hosts()
            .add_columns(CanteenHost.created_at)
            .where(CanteenHost.canteen_id.in_(canteen_ids))
            .subquery()
        )
        rows = db.session.execute(
            select(current.c.canteen_id, User)
            .join(User, User.id == current.c.user_id)
            .order_by(current.c.created_at, User.id)
        ).all()
        for canteen_id, user in rows:
            hosts[canteen_id].append(user)
    return hosts


def _set_membership_role(neighbourhood_id: int, user_id: int, role: Role) -> None:
    db.session.execute(
        update(Membership)
        .where(
            Membership.neighbourhood_id == neighbourhood_id,
            Membership.user_id == user_id,
            Membership.role != Role.MODERATOR,
        )
        .values(role=role)
        .execution_options(synchronize_session=False)
    )


def add_host(moderator: User, canteen_id: int, user_id: int) -> Canteen:
    """Appoint a member as a host of the canteen; they take the `host` role if a member."""
    canteen = policies.visible_canteen(moderator, canteen_id)
    neighbourhood = neighbourhood_policies.get_neighbourhood(canteen.neighbourhood_id)
    neighbourhood_policies.require_moderator(moderator, neighbourhood)
    target = db.session.get(User, user_id)
    if target is None or neighbourhood_policies.active_membership(target, neighbourhood.id) is None:
        raise NotFound("This person is not an active member of the neighbourhood.")
    if db.session.get(CanteenHost, (canteen.id, user_id)) is None:
        db.session.add(CanteenHost(canteen_id=canteen.id, user_id=user_id))
    # Always: hosting needs the role as well as the appointment (`policies.current_hosts`).
    _set_membership_role(neighbourhood.id, user_id, Role.HOST)
    _sync_conversations_of_canteen(canteen.id)
    db.session.commit()
    return canteen


def remove_host(moderator: User, canteen_id: int, user_id: int) -> None:
    canteen = policies.visible_canteen(moderator, canteen_id)
    neighbourhood = neighbourhood_policies.get_neighbourhood(canteen.neighbourhood_id)
    neighbourhood_policies.require_moderator(moderator, neighbourhood)
    host = db.session.get(CanteenHost, (canteen.id, user_id))
    if host is None:
        raise NotFound("This person does not host this canteen.")
    db.session.delete(host)
    db.session.flush()
    still_hosting = db.session.execute(
        select(func.count())
        .select_from(CanteenHost)
        .join(Canteen, Canteen.id == CanteenHost.canteen_id)
        .where(CanteenHost.user_id == user_id, Canteen.neighbourhood_id == neighbourhood.id)
    ).scalar_one()
    if not still_hosting:
        _set_membership_role(neighbourhood.id, user_id, Role.MEMBER)
    _leave_host_conversations(user_id)
    publish_membership_change(user_id)  # their sockets stop watching its drafts
    db.session.commit()


def end_hosting(user_id: int, neighbourhood_id: int | None = None) -> None:
    """Someone stops being a host in a neighbourhood (or everywhere): demoted to member, left,
    removed, account deleted. In the caller's transaction.

    Their appointments there are deleted, not kept inert: coming back (rejoining, being made
    `host` again) must not silently restore them; a moderator appoints them again. They leave
    the conversations of those canteens' meals (unless they dine there), and their sockets'
    rooms are re-synced after commit.
    """
    stmt = delete(CanteenHost).where(CanteenHost.user_id == user_id)
    if neighbourhood_id is not None:
        stmt = stmt.where(
            CanteenHost.canteen_id.in_(
                select(Canteen.id).where(Canteen.neighbourhood_id == neighbourhood_id)
            )
        )
    db.session.execute(stmt.execution_options(synchronize_session=False))
    _leave_host_conversations(user_id)
    publish_membership_change(user_id)


def _leave_host_conversations(user_id: int) -> None:
    """Take someone out of the meal conversations they are in only as a former host."""
    from neighbours.messages.services import resync_meal_conversations_of

    db.session.flush()
    resync_meal_conversations_of(user_id)


def _sync_conversation(meal: Meal) -> None:
    """A published meal's conversation holds its hosts and confirmed diners (issue: messages)."""
    if meal.status == MealStatus.PUBLISHED:
        from neighbours.messages.services import sync_meal_conversation

        db.session.flush()
        sync_meal_conversation(meal)


def _sync_conversations_of_canteen(canteen_id: int) -> None:
    """Hosts are always in the conversations of their canteen's upcoming meals."""
    db.session.flush()
    upcoming = db.session.execute(
        select(Meal).where(
            Meal.canteen_id == canteen_id,
            Meal.status == MealStatus.PUBLISHED,
            Meal.ends_at > utcnow(),
        )
    ).scalars()
    for meal in upcoming:
        _sync_conversation(meal)


# --- meal views ---------------------------------------------------------------------------


@dataclass
class MealView:
    """A meal with its pools' availability (and, for a diner, their own signup)."""

    meal: Meal
    pools: list[SeatPool]
    waitlists: dict[int, int]
    my_signup: Signup | None = None
    my_position: int | None = None
    warnings: list[str] = field(default_factory=list)
    unsuited_diets: list[str] = field(default_factory=list)
    conversation_id: int | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.meal, name)

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


def _pools_of(meal_ids: list[int], *, fresh: bool = False) -> dict[int, list[SeatPool]]:
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


def _waitlist_counts(meal_ids: list[int]) -> dict[int, int]:
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


def _warnings(user: User, meal: Meal) -> tuple[list[str], list[str]]:
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
    pools = _pools_of([meal.id])[meal.id]
    mine = _my_signup(user, meal.id)
    warnings, unsuited = _warnings(user, meal)
    from neighbours.messages.services import meal_conversation_id

    return MealView(
        meal,
        pools,
        _waitlist_counts([meal.id]),
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
    pools = _pools_of(ids)
    waitlists = _waitlist_counts(ids)
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
        warnings, unsuited = _warnings(user, meal)
        views.append(
            MealView(meal, pools[meal.id], waitlists, mine.get(meal.id), None, warnings, unsuited)
        )
    return Page(views, page.next_cursor)


def watchable_meal(user: User, meal_id: int) -> tuple[int, dict[str, dict[str, int]], int]:
    """For `meal:watch`: the meal's neighbourhood, availability and its version, if the caller
    may see it."""
    meal = policies.visible_meal(user, meal_id)
    seats = availability(_pools_of([meal.id])[meal.id], _waitlist_counts([meal.id]))
    return meal.neighbourhood_id, seats, meal.availability_version


# --- creating and editing meals -----------------------------------------------------------


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


def _check_times(starts_at: datetime, ends_at: datetime, closes_at: datetime) -> None:
    if ends_at <= starts_at:
        raise Invalid("ends_at", "Must be after starts_at.")
    if closes_at > starts_at:
        raise Invalid("signup_closes_at", "Must not be after starts_at.")


def create_meal(
    user: User, canteen_id: int, fields: dict[str, Any], *, publish_now: bool
) -> MealView:
    canteen = policies.visible_canteen(user, canteen_id)
    policies.require_host(user, canteen.id)
    starts_at = fields["starts_at"]
    if starts_at <= utcnow():
        raise Invalid("starts_at", "Must be in the future.")
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
        _publish_availability(meal, meal.pools, {})
    _sync_conversation(meal)
    db.session.commit()
    return meal_view(user, meal)


def _lock(meal: Meal) -> None:
    """Take the meal's row lock for this transaction and bump its availability version.

    On PostgreSQL the UPDATE holds the row until commit; on SQLite it takes the write lock.
    Everything read after this is current. The new version also numbers arrivals: it only
    grows, one step per change, so it orders the waitlist.
    """
    db.session.execute(
        update(Meal)
        .where(Meal.id == meal.id)
        .values(availability_version=Meal.availability_version + 1)
        .returning(Meal)
        .execution_options(populate_existing=True, synchronize_session=False)
    ).scalar_one()


def _publish_availability(meal: Meal, pools: list[SeatPool], waitlists: dict[int, int]) -> None:
    payload = {
        "meal_id": meal.id,
        "status": effective_status(meal),
        "availability": availability(pools, waitlists),
        "version": meal.availability_version,
    }
    # A draft is hidden from members: only its watchers (hosts, see `visible_meal`) hear of it.
    # A socket in both rooms gets the event once.
    rooms = [meal_room(meal.id)]
    if meal.status != MealStatus.DRAFT:
        rooms.append(neighbourhood_room(meal.neighbourhood_id))
    publish("meal:availability", payload, rooms)


@dataclass
class _Snapshot:
    """Each active signup's (user, status, waitlist position), to tell whose signup changed.

    Read as plain tuples: it runs twice per change under the meal lock, so it must stay cheap
    however long the waitlist is.
    """

    states: dict[int, tuple[int, SignupStatus, int | None]]


def _snapshot(meal_id: int) -> _Snapshot:
    rows = db.session.execute(
        select(Signup.id, Signup.user_id, Signup.pool_id, Signup.status)
        .where(Signup.meal_id == meal_id, Signup.status.in_(ACTIVE))
        .order_by(Signup.pool_id, Signup.waitlist_seq)
    ).all()
    states: dict[int, tuple[int, SignupStatus, int | None]] = {}
    positions: Counter[int] = Counter()
    for signup_id, user_id, pool_id, status in rows:
        if status == SignupStatus.WAITLISTED:
            positions[pool_id] += 1
            states[signup_id] = (user_id, status, positions[pool_id])
        else:
            states[signup_id] = (user_id, status, None)
    return _Snapshot(states)


def _take_seats(pool: SeatPool, seats: int) -> bool:
    """Take seats with one conditional UPDATE: it can't succeed past capacity.

    The meal lock already orders changes; this keeps the arithmetic in the database, so even
    a code path that forgot the lock could not oversell.
    """
    result = db.session.execute(
        update(SeatPool)
        .where(SeatPool.id == pool.id, SeatPool.taken + seats <= SeatPool.capacity)
        .values(taken=SeatPool.taken + seats)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _release_seats(pool: SeatPool, seats: int) -> None:
    db.session.execute(
        update(SeatPool)
        .where(SeatPool.id == pool.id)
        .values(taken=SeatPool.taken - seats)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(pool)


def promote_waitlist(pool: SeatPool) -> list[Signup]:
    """Confirm waitlisted parties in arrival order while seats remain.

    A party too large for the seats left keeps its place; the next one that fits is served.
    """
    db.session.flush()
    db.session.refresh(pool)
    free = pool.capacity - pool.taken
    promoted: list[Signup] = []
    if free <= 0:
        return promoted
    waiting = db.session.execute(
        select(Signup)
        .where(Signup.pool_id == pool.id, Signup.status == SignupStatus.WAITLISTED)
        .order_by(Signup.waitlist_seq)
    ).scalars()
    now = utcnow()
    for signup in waiting:
        if signup.party_size <= free and _take_seats(pool, signup.party_size):
            signup.status = SignupStatus.CONFIRMED
            signup.confirmed_at = now
            free -= signup.party_size
            promoted.append(signup)
            if free == 0:
                break
    db.session.flush()
    return promoted


def _announce(meal: Meal, before: _Snapshot, *, actor_id: int | None) -> None:
    """After a change: push availability, and tell each person whose signup moved."""
    db.session.flush()
    after = _snapshot(meal.id)
    pools = _pools_of([meal.id], fresh=True)[meal.id]
    _publish_availability(meal, pools, _waitlist_counts([meal.id]))
    for signup_id, state in before.states.items():
        user_id, old_status, _old_position = state
        new_state = after.states.get(signup_id)
        if new_state == state or user_id == actor_id:
            continue
        # Gone from the active signups: cancelled (by the meal's cancellation).
        _user, status, position = new_state or (user_id, SignupStatus.CANCELLED, None)
        publish(
            "signup:updated",
            {
                "id": signup_id,
                "meal_id": meal.id,
                "status": status.value,
                "waitlist_position": position,
            },
            user_room(user_id),
        )
        if old_status == SignupStatus.WAITLISTED and status == SignupStatus.CONFIRMED:
            notify(
                user_id,
                "waitlist_promoted",
                {
                    "meal_id": meal.id,
                    "meal_title": meal.title,
                    "signup_id": signup_id,
                    "starts_at": _iso(meal.starts_at),
                },
            )


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def update_meal(user: User, meal_id: int, fields: dict[str, Any]) -> MealView:
    """Edit a meal; capacity changes can't go below the seats taken and promote the waitlist."""
    meal = policies.hosted_meal(user, meal_id)
    pool_changes = fields.pop("pools", None)
    if meal.status == MealStatus.CANCELLED:
        raise Conflict("This meal is cancelled.")
    if "starts_at" in fields and fields["starts_at"] <= utcnow():
        raise Invalid("starts_at", "Must be in the future.")
    _lock(meal)
    before = _snapshot(meal.id)
    for name, value in fields.items():
        setattr(meal, name, value)
    _check_times(meal.starts_at, meal.ends_at, meal.signup_closes_at)
    pools = {p.key: p for p in _pools_of([meal.id], fresh=True)[meal.id]}
    for spec in pool_changes or []:
        pool = pools.get(spec["key"])
        if pool is None:
            if "capacity" not in spec:
                raise Invalid("pools", f"New pool {spec['key']!r} needs a capacity.")
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
                    f"Pool {pool.key!r} has {pool.taken} seats taken; capacity can't go below."
                )
        for attr in ("label", "starts_at"):
            if attr in spec:
                setattr(pool, attr, spec[attr])
        promote_waitlist(pool)
    _announce(meal, before, actor_id=None)
    _sync_conversation(meal)
    db.session.commit()
    return meal_view(user, meal)


def publish_meal(user: User, meal_id: int) -> MealView:
    meal = policies.hosted_meal(user, meal_id)
    _lock(meal)
    if meal.status != MealStatus.DRAFT:
        raise Conflict(f"Only a draft can be published; this meal is {meal.status.value}.")
    if meal.starts_at <= utcnow():
        raise Conflict("This meal's start time has passed.")
    meal.status = MealStatus.PUBLISHED
    db.session.flush()
    _publish_availability(meal, _pools_of([meal.id])[meal.id], _waitlist_counts([meal.id]))
    _sync_conversation(meal)
    db.session.commit()
    return meal_view(user, meal)


def cancel_meal(user: User, meal_id: int, reason: str) -> MealView:
    """Cancel with notice: every signup ends and each diner is told why."""
    meal = policies.hosted_meal(user, meal_id)
    _lock(meal)
    if meal.status in (MealStatus.CANCELLED,) or effective_status(meal) == MealStatus.DONE:
        raise Conflict(f"This meal is already {effective_status(meal)}.")
    before = _snapshot(meal.id)
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
                "starts_at": _iso(meal.starts_at),
                "reason": reason,
            },
        )
    for pool in _pools_of([meal.id], fresh=True)[meal.id]:
        pool.taken = 0
    _announce(meal, before, actor_id=None)
    db.session.commit()
    return meal_view(user, meal)


# --- signups ------------------------------------------------------------------------------


@dataclass
class SignupView:
    signup: Signup
    waitlist_position: int | None
    warnings: list[str] = field(default_factory=list)
    unsuited_diets: list[str] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.signup, name)


def sign_up(
    user: User, meal_id: int, pool_key: str, party_size: int, note: str | None
) -> SignupView:
    """Book `party_size` seats in a pool, or join its waitlist when it is full."""
    meal = policies.visible_meal(user, meal_id)
    policies.require_can_sign_up(user, meal)
    _lock(meal)
    if meal.status != MealStatus.PUBLISHED:
        raise Conflict(f"This meal is {meal.status.value}; signups are closed.")
    if meal.signup_closes_at <= utcnow():
        raise Conflict("Signups for this meal have closed.")
    pools = {p.key: p for p in _pools_of([meal.id], fresh=True)[meal.id]}
    pool = pools.get(pool_key)
    if pool is None:
        raise Invalid("pool", f"Not a pool of this meal: one of {', '.join(pools)}.")
    if party_size > pool.capacity:
        raise Invalid("party_size", f"This pool has only {pool.capacity} seats.")
    existing = db.session.execute(
        select(Signup)
        .where(Signup.meal_id == meal.id, Signup.user_id == user.id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if existing is not None and existing.status in ACTIVE:
        raise Conflict("You are already signed up for this meal.")
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
    if party_size <= pool.capacity - pool.taken and _take_seats(pool, party_size):
        signup.status = SignupStatus.CONFIRMED
        signup.confirmed_at = utcnow()
    else:
        signup.status = SignupStatus.WAITLISTED
        signup.confirmed_at = None
    db.session.add(signup)
    db.session.flush()
    _publish_availability(
        meal, _pools_of([meal.id], fresh=True)[meal.id], _waitlist_counts([meal.id])
    )
    if signup.status == SignupStatus.CONFIRMED:
        _sync_conversation(meal)
    db.session.commit()
    warnings, unsuited = _warnings(user, meal)
    return SignupView(signup, waitlist_position(signup), warnings, unsuited)


def my_signup(user: User, meal_id: int) -> SignupView:
    meal = policies.visible_meal(user, meal_id)
    signup = db.session.execute(
        select(Signup).where(Signup.meal_id == meal.id, Signup.user_id == user.id)
    ).scalar_one_or_none()
    if signup is None:
        raise NotFound("You have not signed up for this meal.")
    warnings, unsuited = _warnings(user, meal)
    return SignupView(signup, waitlist_position(signup), warnings, unsuited)


def cancel_my_signup(user: User, meal_id: int) -> None:
    """Cancel: the seats go to the waitlist in order."""
    meal = policies.visible_meal(user, meal_id)
    _lock(meal)
    signup = _active_signup(meal.id, user.id)
    if signup is None:
        raise NotFound("You have no active signup for this meal.")
    if meal.starts_at <= utcnow():
        raise Conflict("This meal has started; tell the host instead.")
    _cancel(meal, signup, actor_id=user.id)
    db.session.commit()


def _active_signup(meal_id: int, user_id: int) -> Signup | None:
    return db.session.execute(
        select(Signup)
        .where(Signup.meal_id == meal_id, Signup.user_id == user_id, Signup.status.in_(ACTIVE))
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def _cancel(meal: Meal, signup: Signup, *, actor_id: int) -> None:
    """Cancel a signup of a locked meal: free its seats, promote, tell whoever moved."""
    before = _snapshot(meal.id)
    pool = db.session.get(SeatPool, signup.pool_id, populate_existing=True)
    assert pool is not None
    if signup.status == SignupStatus.CONFIRMED:
        _release_seats(pool, signup.party_size)
    signup.status = SignupStatus.CANCELLED
    signup.cancelled_at = utcnow()
    db.session.flush()
    promote_waitlist(pool)
    _announce(meal, before, actor_id=actor_id)
    _sync_conversation(meal)


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
        _lock(meal)
        signup = _active_signup(meal.id, user.id)
        if signup is not None:
            _cancel(meal, signup, actor_id=user.id if actor_id is None else actor_id)
            cancelled += 1
    return cancelled


@dataclass
class HostSignupPage:
    items: list[SignupView]
    next_cursor: str | None
    summary: dict[str, Any]


def dietary_summary(meal_id: int) -> dict[str, Any]:
    """Diets and allergens among confirmed diners, for the cooks."""
    rows = db.session.execute(
        select(Signup.party_size, User.diets, User.allergens)
        .join(User, User.id == Signup.user_id)
        .where(Signup.meal_id == meal_id, Signup.status == SignupStatus.CONFIRMED)
    ).all()
    diets: Counter[str] = Counter()
    allergens: Counter[str] = Counter()
    for _party, user_diets, user_allergens in rows:
        diets.update(set(user_diets or []))
        allergens.update(set(user_allergens or []))
    return {
        "confirmed_signups": len(rows),
        "confirmed_people": sum(r[0] for r in rows),
        "guests": sum(r[0] - 1 for r in rows),
        "diets": {d: diets[d] for d in DIETS if diets[d]},
        "allergens": {a: allergens[a] for a in EU_ALLERGENS if allergens[a]},
    }


def list_signups(
    user: User, meal_id: int, *, limit: int, after: str | None, status: str | None
) -> HostSignupPage:
    """Every signup with each diner's dietary needs, for the meal's hosts."""
    meal = policies.hosted_meal(user, meal_id)
    stmt = (
        select(Signup)
        .join(Signup.user)
        .join(Signup.pool)
        .where(Signup.meal_id == meal.id)
        .options(db.contains_eager(Signup.user), db.contains_eager(Signup.pool))
    )
    if status:
        stmt = stmt.where(Signup.status == SignupStatus(status))
    page = paginate(
        db.session,
        stmt,
        [SortKey(Signup.waitlist_seq)],
        lambda s: [s.waitlist_seq],
        limit=limit,
        after=after,
    )
    # Waitlist positions for the page, from one query over the meal's waitlist.
    order = db.session.execute(
        select(Signup.id, Signup.pool_id)
        .where(Signup.meal_id == meal.id, Signup.status == SignupStatus.WAITLISTED)
        .order_by(Signup.waitlist_seq)
    ).all()
    positions: dict[int, int] = {}
    counters: Counter[int] = Counter()
    for signup_id, pool_id in order:
        counters[pool_id] += 1
        positions[signup_id] = counters[pool_id]
    items = [SignupView(s, positions.get(s.id)) for s in page.items]
    return HostSignupPage(items, page.next_cursor, dietary_summary(meal.id))


def check_in(
    user: User, signup_id: int, *, attended: bool, contribution_cents: int | None
) -> SignupView:
    """Mark a confirmed diner attended or no-show and record what they chose to give."""
    signup = policies.hosted_signup(user, signup_id)
    meal = db.session.get(Meal, signup.meal_id)
    assert meal is not None
    if meal.status == MealStatus.CANCELLED:
        raise Conflict("This meal was cancelled.")
    if signup.status != SignupStatus.CONFIRMED:
        raise Conflict(
            f"Only confirmed diners can be checked in; this signup is {signup.status.value}."
        )
    if not attended and contribution_cents:
        raise Invalid("contribution_cents", "A no-show has no contribution to record.")
    signup.attendance = Attendance.ATTENDED if attended else Attendance.NO_SHOW
    signup.contribution_cents = contribution_cents if attended else None
    signup.checked_in_at = utcnow()
    signup.checked_in_by_id = user.id
    db.session.commit()
    return SignupView(signup, None)


def meal_summary(user: User, meal_id: int) -> dict[str, Any]:
    """Seats, attendance, no-shows and pay-what-you-can contributions against cost price."""
    meal = policies.hosted_meal(user, meal_id)
    pools = _pools_of([meal.id])[meal.id]
    waitlists = _waitlist_counts([meal.id])
    rows = (
        db.session.execute(
            select(Signup).where(Signup.meal_id == meal.id, Signup.status == SignupStatus.CONFIRMED)
        )
        .scalars()
        .all()
    )
    attended = [s for s in rows if s.attendance == Attendance.ATTENDED]
    no_shows = [s for s in rows if s.attendance == Attendance.NO_SHOW]
    people_attended = sum(s.party_size for s in attended)
    contributions = [s.contribution_cents for s in attended if s.contribution_cents is not None]
    total = sum(contributions)
    cost_total = meal.cost_price_cents * people_attended
    return {
        "meal_id": meal.id,
        "status": effective_status(meal),
        "cost_price_cents": meal.cost_price_cents,
        "availability": availability(pools, waitlists),
        "seats": {
            "capacity": sum(p.capacity for p in pools),
            "taken": sum(p.taken for p in pools),
            "waitlisted_signups": sum(waitlists.values()),
        },
        "attendance": {
            "confirmed_signups": len(rows),
            "confirmed_people": sum(s.party_size for s in rows),
            "attended_signups": len(attended),
            "attended_people": people_attended,
            "no_show_signups": len(no_shows),
            "no_show_people": sum(s.party_size for s in no_shows),
            "not_checked_in_signups": len(rows) - len(attended) - len(no_shows),
        },
        "contributions": {
            "count": len(contributions),
            "total_cents": total,
            "average_per_person_cents": round(total / people_attended) if people_attended else 0,
            "cost_total_cents": cost_total,
            "balance_cents": total - cost_total,
            "coverage": round(total / cost_total, 3) if cost_total else None,
        },
    }
