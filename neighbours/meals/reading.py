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

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, and_, func, select, true
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
from neighbours.pagination import SortKey, paginate

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


def _meals_statement(user: User) -> Select[Any]:
    """Meals with their canteen, whether the reader hosts them, and the reader's own active
    signup (its pool's key and, waitlisted, its place)."""
    if user.is_admin:
        hosting: Any = true()
    else:
        hosting = (
            policies.current_hosts()
            .where(CanteenHost.canteen_id == Meal.canteen_id, CanteenHost.user_id == user.id)
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
            and_(mine.meal_id == Meal.id, mine.user_id == user.id, mine.status.in_(ACTIVE)),
        )
        .outerjoin(my_pool, my_pool.id == mine.pool_id)
    )


def _pools(meal_ids: list[int]) -> dict[int, list[Row[Any]]]:
    """Each meal's pools in order, with their waitlists' length."""
    pools: dict[int, list[Row[Any]]] = {meal_id: [] for meal_id in meal_ids}
    if not meal_ids:
        return pools
    waiting = (
        select(func.count())
        .where(Signup.pool_id == SeatPool.id, Signup.status == SignupStatus.WAITLISTED)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            SeatPool.meal_id,
            SeatPool.key,
            SeatPool.label,
            SeatPool.capacity,
            SeatPool.taken,
            SeatPool.starts_at,
            waiting.label("waitlist"),
        )
        .where(SeatPool.meal_id.in_(meal_ids))
        .order_by(SeatPool.meal_id, SeatPool.position, SeatPool.id)
    ).all()
    for row in rows:
        pools[row.meal_id].append(row)
    return pools


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
    """`views.list_meals`'s page (the same meals, the same order), as `MealPageSchema` dumps
    it, in two statements."""
    neighbourhood = neighbourhood_policies.get_neighbourhood(neighbourhood_id)
    neighbourhood_policies.require_member(user, neighbourhood)
    # By default the meals not yet ended: the upcoming ones and those in progress.
    since = Meal.ends_at > utcnow() if from_ is None else Meal.starts_at >= from_
    stmt = _meals_statement(user).where(
        Meal.neighbourhood_id == neighbourhood.id, Meal.status == MealStatus.PUBLISHED, since
    )
    if to is not None:
        stmt = stmt.where(Meal.starts_at < to)
    page = paginate(
        db.session,
        stmt,
        [SortKey(Meal.starts_at), SortKey(Meal.id)],
        lambda row: [row.starts_at, row.id],
        limit=limit,
        after=after,
        scalars=False,
    )
    pools = _pools([row.id for row in page.items])
    return {
        "items": [meal_item(user, row, pools[row.id]) for row in page.items],
        "next_cursor": page.next_cursor,
    }


def get_meal(user: User, meal_id: int) -> dict[str, Any]:
    """A meal as `MealDetailSchema` dumps `views.get_meal`'s view, in two statements; 404 as
    `policies.visible_meal` (outsiders, and drafts for all but their canteen's hosts)."""
    row = db.session.execute(
        _meals_statement(user)
        .add_columns(meal_conversation_column(Meal.id).label("conversation_id"))
        .where(Meal.id == meal_id)
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
