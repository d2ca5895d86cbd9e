"""The meal list and a meal, in two statements each, built without marshmallow.

A page of meals (or one meal) comes in one statement with its canteen, whether the reader hosts
it (`policies.current_hosts`, as a correlated EXISTS), the reader's own active signup with its
pool and waitlist place, and for a single meal its conversation; its pools and their
waitlists in a second. With the caller's token, membership and suspension read in the token's
statement (`neighbourhoods.prefetch`), the list and a meal cost three statements each,
whatever the number of meals.

The dicts are what `MealSchema` / `MealDetailSchema` dump from the views of `meals.views`
(ORM rows and a query per part, still used by the writes' responses and the agenda);
`tests/meals/test_meal_dump.py` compares the two byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Row, Select, and_, bindparam, func, select, true, tuple_
from sqlalchemy.orm import aliased

from neighbours.accounts.models import User
from neighbours.database import utcnow
from neighbours.errors import NotFound
from neighbours.extensions import db
from neighbours.fields import utc_iso
from neighbours.meals import policies
from neighbours.meals.models import (
    Canteen,
    CanteenHost,
    Meal,
    MealStatus,
    SeatPool,
    Signup,
    SignupStatus,
)
from neighbours.meals.views import ACTIVE, effective_status, warnings_for
from neighbours.messages.services import meal_conversation_column
from neighbours.neighbourhoods import policies as neighbourhood_policies
from neighbours.pagination import SortKey, check_cursor, decode_cursor, encode_cursor

_MEAL_COLUMNS = (
    Meal.id,
    Meal.canteen_id,
    Meal.neighbourhood_id,
    Meal.title,
    Meal.menu,
    Meal.starts_at,
    Meal.ends_at,
    Meal.signup_closes_at,
    Meal.allergens,
    Meal.diets,
    Meal.cost_price_cents,
    Meal.status,
    Meal.cancel_reason,
    Meal.availability_version,
)
_CANTEEN_COLUMNS = (
    Canteen.name.label("canteen_name"),
    Canteen.address.label("canteen_address"),
    Canteen.timezone.label("canteen_timezone"),
    Canteen.latitude.label("canteen_latitude"),
    Canteen.longitude.label("canteen_longitude"),
    Canteen.currency.label("canteen_currency"),
)


def _meals_statement(admin: bool) -> Select[Any]:
    """Meals with their canteen, whether the reader hosts them, and the reader's own active
    signup (its pool's key and, waitlisted, its place). Parameters: `reader_id`, `now`."""
    reader = bindparam("reader_id", type_=Integer)
    if admin:
        hosting: Any = true()
    else:
        hosting = (
            policies.current_hosts(now=bindparam("now", type_=Meal.ends_at.type))
            .where(CanteenHost.canteen_id == Meal.canteen_id, CanteenHost.user_id == reader)
            .correlate(Meal)
            .exists()
        )
    mine = aliased(Signup, name="my_signup")
    my_pool = aliased(SeatPool, name="my_pool")
    ahead = aliased(Signup, name="ahead")
    place = (
        select(func.count(ahead.id))
        .where(
            ahead.pool_id == mine.pool_id,
            ahead.status == SignupStatus.WAITLISTED,
            ahead.waitlist_seq <= mine.waitlist_seq,
        )
        .correlate(mine)
        .scalar_subquery()
    )
    return (
        select(
            *_MEAL_COLUMNS,
            *_CANTEEN_COLUMNS,
            hosting.label("is_host"),
            mine.id.label("my_signup_id"),
            my_pool.key.label("my_signup_pool"),
            mine.party_size.label("my_signup_party_size"),
            mine.status.label("my_signup_status"),
            place.label("my_waitlist_place"),
        )
        .select_from(Meal)
        .join(Canteen, Canteen.id == Meal.canteen_id)
        .outerjoin(
            mine,
            and_(mine.meal_id == Meal.id, mine.user_id == reader, mine.status.in_(ACTIVE)),
        )
        .outerjoin(my_pool, my_pool.id == mine.pool_id)
    )


# Statements built once per shape and run again with new parameters: building them costs
# more than running them.
_built: dict[Hashable, Select[Any]] = {}


def _statement(shape: Hashable, build: Callable[[], Select[Any]]) -> Select[Any]:
    stmt = _built.get(shape)
    if stmt is None:
        stmt = _built[shape] = build()
    return stmt


def _build_pools() -> Select[Any]:
    waiting = (
        select(func.count())
        .where(Signup.pool_id == SeatPool.id, Signup.status == SignupStatus.WAITLISTED)
        .scalar_subquery()
    )
    return (
        select(
            SeatPool.meal_id,
            SeatPool.key,
            SeatPool.label,
            SeatPool.capacity,
            SeatPool.taken,
            SeatPool.starts_at,
            waiting.label("waitlist"),
        )
        .where(SeatPool.meal_id.in_(bindparam("meal_ids", expanding=True)))
        .order_by(SeatPool.meal_id, SeatPool.position, SeatPool.id)
    )


def _pools(meal_ids: list[int]) -> dict[int, list[Row[Any]]]:
    """Each meal's pools in order, with their waitlists' length."""
    pools: dict[int, list[Row[Any]]] = {meal_id: [] for meal_id in meal_ids}
    if not meal_ids:
        return pools
    stmt = _statement("pools", _build_pools)
    for row in db.session.execute(stmt, {"meal_ids": meal_ids}).all():
        pools[row.meal_id].append(row)
    return pools


_LIST_KEYS = [SortKey(Meal.starts_at), SortKey(Meal.id)]


def _build_list(admin: bool, since_start: bool, until: bool, after: bool) -> Select[Any]:
    """A page of a neighbourhood's published meals, soonest first (`views.list_meals` before)."""
    when = Meal.ends_at.type
    stmt = _meals_statement(admin).where(
        Meal.neighbourhood_id == bindparam("neighbourhood_id", type_=Integer),
        Meal.status == MealStatus.PUBLISHED,
        # By default the meals not yet ended: the upcoming ones and those in progress.
        Meal.starts_at >= bindparam("from", type_=when)
        if since_start
        else Meal.ends_at > bindparam("now", type_=when),
    )
    if until:
        stmt = stmt.where(Meal.starts_at < bindparam("to", type_=when))
    if after:
        # One row comparison: an index range that starts at the cursor (`pagination`).
        stmt = stmt.where(
            tuple_(Meal.starts_at, Meal.id)
            > tuple_(bindparam("after_starts_at", type_=when), bindparam("after_id", type_=Integer))
        )
    return stmt.order_by(Meal.starts_at, Meal.id).limit(bindparam("limit", type_=Integer))


def _strings(values: Sequence[Any] | None) -> list[str] | None:
    return None if values is None else [str(v) for v in values]


def meal_item(user: User, row: Row[Any], pools: list[Row[Any]]) -> dict[str, Any]:
    """One meal as `MealSchema` dumps its view for this reader."""
    warnings, unsuited = warnings_for(user, row)
    my_signup = None
    if row.my_signup_id is not None:
        my_signup = {
            "id": row.my_signup_id,
            "pool": row.my_signup_pool,
            "party_size": row.my_signup_party_size,
            "status": row.my_signup_status.value,
            "waitlist_position": (
                row.my_waitlist_place if row.my_signup_status == SignupStatus.WAITLISTED else None
            ),
        }
    return {
        "id": row.id,
        "canteen": {
            "id": row.canteen_id,
            "name": row.canteen_name,
            "address": row.canteen_address,
            "timezone": row.canteen_timezone,
            "latitude": None if row.canteen_latitude is None else float(row.canteen_latitude),
            "longitude": None if row.canteen_longitude is None else float(row.canteen_longitude),
            "currency": row.canteen_currency,
        },
        "is_host": bool(row.is_host),
        "neighbourhood_id": row.neighbourhood_id,
        "title": row.title,
        "menu": row.menu,
        "starts_at": utc_iso(row.starts_at),
        "ends_at": utc_iso(row.ends_at),
        "signup_closes_at": utc_iso(row.signup_closes_at),
        "allergens": _strings(row.allergens),
        "diets": _strings(row.diets),
        "cost_price_cents": row.cost_price_cents,
        "status": effective_status(row),
        "cancel_reason": row.cancel_reason,
        "pools": [
            {
                "key": pool.key,
                "label": pool.label,
                "capacity": pool.capacity,
                "starts_at": utc_iso(pool.starts_at),
            }
            for pool in pools
        ],
        "availability": {
            pool.key: {
                "capacity": pool.capacity,
                "taken": pool.taken,
                "left": pool.capacity - pool.taken,
                "waitlist": pool.waitlist,
            }
            for pool in pools
        },
        "version": row.availability_version,
        "my_signup": my_signup,
        "warnings": warnings,
        "unsuited_diets": unsuited,
    }


def list_meals(
    user: User,
    neighbourhood_id: int,
    *,
    from_: datetime | None,
    to: datetime | None,
    limit: int,
    after: str | None,
) -> dict[str, Any]:
    """The published meals of a neighbourhood soonest first (`views.list_meals` before: the
    same meals, the same order, the same cursors), as `MealPageSchema` dumps them, in two
    statements. By default those not yet ended: the upcoming ones and those in progress."""
    neighbourhood = neighbourhood_policies.get_neighbourhood(neighbourhood_id)
    neighbourhood_policies.require_member(user, neighbourhood)
    params: dict[str, Any] = {
        "reader_id": user.id,
        "neighbourhood_id": neighbourhood.id,
        "now": utcnow(),
        "from": from_,
        "to": to,
        "limit": limit + 1,
    }
    if after:
        values = decode_cursor(after, len(_LIST_KEYS))
        check_cursor(_LIST_KEYS, values)
        params["after_starts_at"], params["after_id"] = values
    shape = ("list", user.is_admin, from_ is not None, to is not None, bool(after))
    stmt = _statement(shape, lambda: _build_list(*shape[1:]))
    rows = db.session.execute(stmt, params).all()
    cursor = (
        encode_cursor([rows[limit - 1].starts_at, rows[limit - 1].id])
        if len(rows) > limit
        else None
    )
    rows = rows[:limit]
    pools = _pools([row.id for row in rows])
    return {"items": [meal_item(user, row, pools[row.id]) for row in rows], "next_cursor": cursor}


def _build_meal(admin: bool) -> Select[Any]:
    return (
        _meals_statement(admin)
        .add_columns(meal_conversation_column(Meal.id).label("conversation_id"))
        .where(Meal.id == bindparam("meal_id", type_=Integer))
    )


def get_meal(user: User, meal_id: int) -> dict[str, Any]:
    """A meal as `MealDetailSchema` dumps `views.meal_view`'s view, in two statements; 404 as
    `policies.visible_meal` (outsiders, and drafts for all but their canteen's hosts)."""
    stmt = _statement(("meal", user.is_admin), lambda: _build_meal(user.is_admin))
    row = db.session.execute(
        stmt, {"reader_id": user.id, "meal_id": meal_id, "now": utcnow()}
    ).one_or_none()
    if (
        row is None
        or not policies.is_member(user, row.neighbourhood_id)
        or (row.status == MealStatus.DRAFT and not row.is_host)
    ):
        raise NotFound()
    item = meal_item(user, row, _pools([row.id])[row.id])
    item["conversation_id"] = row.conversation_id
    return item
