"""The seat ledger: the meal lock, taking and releasing seats, the waitlist, and telling
whoever moved.

Every change to a meal's seats starts by taking the meal's row lock (an UPDATE that bumps
its availability version, `lock`), so signups, cancellations and capacity changes of one meal
run one at a time and the waitlist is served in arrival order. The CHECK on
`seat_pools.taken <= capacity` is the last word: no code path can oversell a pool. Live
events and notifications are queued and go out after commit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select, update

from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.meals.conversations import sync_conversation
from neighbours.meals.models import (
    Meal,
    MealStatus,
    SeatPool,
    Signup,
    SignupStatus,
)
from neighbours.meals.views import ACTIVE, availability, effective_status, pools_of, waitlist_counts
from neighbours.notifications.services import notify
from neighbours.realtime.publish import publish
from neighbours.realtime.rooms import meal_room, neighbourhood_room, user_room
from neighbours.timefmt import iso


def lock(meal: Meal) -> None:
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


def publish_availability(meal: Meal, pools: list[SeatPool], waitlists: dict[int, int]) -> None:
    publish_seats(meal, availability(pools, waitlists))


@dataclass
class Seats:
    """A locked meal's pools as they stand: the `availability` payload, and each pool's
    waitlist length by pool id."""

    availability: dict[str, dict[str, int]]
    waiting: dict[int, int]


def change_seats(meal_id: int, pool_id: int | None = None, seats: int = 0) -> Seats:
    """Add `seats` (may be negative) to a pool's taken seats and read every pool of the meal
    with its waitlist, in ONE statement: an UPDATE of the meal's pools RETURNING them (a
    SELECT when nothing changes). Call it under the meal's lock, after the signups changed:
    it is the last read the change needs, so the lock is held for as few statements as can be.
    The CHECK on `taken <= capacity` still has the last word."""
    waiting = (
        select(func.count())
        .where(Signup.pool_id == SeatPool.id, Signup.status == SignupStatus.WAITLISTED)
        .correlate(SeatPool)
        .scalar_subquery()
    )
    columns = (SeatPool.id, SeatPool.key, SeatPool.capacity, SeatPool.taken, SeatPool.position)
    if pool_id is not None and seats:
        # Every pool of the meal is written (+0 for the others) so that one statement returns
        # them all; the meal's lock already serialises every change to them.
        stmt: Any = (
            update(SeatPool)
            .where(SeatPool.meal_id == meal_id)
            .values(taken=SeatPool.taken + case((SeatPool.id == pool_id, seats), else_=0))
            .returning(*columns, waiting.label("waiting"))
            .execution_options(synchronize_session=False)
        )
    else:
        stmt = select(*columns, waiting.label("waiting")).where(SeatPool.meal_id == meal_id)
    rows = sorted(db.session.execute(stmt).all(), key=lambda r: (r.position, r.id))
    return Seats(
        {
            r.key: {
                "capacity": r.capacity,
                "taken": r.taken,
                "left": r.capacity - r.taken,
                "waitlist": r.waiting,
            }
            for r in rows
        },
        {r.id: r.waiting for r in rows},
    )


def publish_seats(meal: Meal, seats: dict[str, dict[str, int]]) -> None:
    """`meal:availability` with these seats, at the meal's current availability version."""
    payload = {
        "meal_id": meal.id,
        "status": effective_status(meal),
        "availability": seats,
        "version": meal.availability_version,
    }
    # A draft is hidden from members: only its watchers (hosts, see `visible_meal`) hear of it.
    # A socket in both rooms gets the event once.
    rooms = [meal_room(meal.id)]
    if meal.status != MealStatus.DRAFT:
        rooms.append(neighbourhood_room(meal.neighbourhood_id))
    # A draft's figures are live only: once published, its watchers would replay them.
    publish("meal:availability", payload, rooms, logged=meal.status != MealStatus.DRAFT)


@dataclass
class Snapshot:
    """Each active signup's (user, status, waitlist position), to tell whose signup changed.

    Read as plain tuples: it runs twice per change under the meal lock, so it must stay cheap
    however long the waitlist is.
    """

    states: dict[int, tuple[int, SignupStatus, int | None]]


def snapshot(meal_id: int) -> Snapshot:
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
    return Snapshot(states)


def take_seats(pool: SeatPool, seats: int) -> bool:
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


def release_seats(pool: SeatPool, seats: int) -> None:
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
        if signup.party_size <= free and take_seats(pool, signup.party_size):
            signup.status = SignupStatus.CONFIRMED
            signup.confirmed_at = now
            free -= signup.party_size
            promoted.append(signup)
            if free == 0:
                break
    db.session.flush()
    return promoted


def announce(meal: Meal, before: Snapshot, *, actor_id: int | None) -> None:
    """After a change: push availability, and tell each person whose signup moved."""
    db.session.flush()
    after = snapshot(meal.id)
    pools = pools_of([meal.id], fresh=True)[meal.id]
    publish_availability(meal, pools, waitlist_counts([meal.id]))
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
                    "starts_at": iso(meal.starts_at),
                },
            )


def active_signup(meal_id: int, user_id: int) -> Signup | None:
    return db.session.execute(
        select(Signup)
        .where(Signup.meal_id == meal_id, Signup.user_id == user_id, Signup.status.in_(ACTIVE))
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def cancel_signup(meal: Meal, signup: Signup, *, actor_id: int) -> None:
    """Cancel a signup of a locked meal: free its seats, promote, tell whoever moved."""
    before = snapshot(meal.id)
    pool = db.session.get(SeatPool, signup.pool_id, populate_existing=True)
    assert pool is not None
    if signup.status == SignupStatus.CONFIRMED:
        release_seats(pool, signup.party_size)
    signup.status = SignupStatus.CANCELLED
    signup.cancelled_at = utcnow()
    db.session.flush()
    promote_waitlist(pool)
    announce(meal, before, actor_id=actor_id)
    sync_conversation(meal)
