"""The reader's own meals across their neighbourhoods: what they signed up for (`/me/meals`)
and what they host (`/me/hosting`), each meal as the meal list shows it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select

from neighbours.accounts.models import User
from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.meals import policies
from neighbours.meals.models import Canteen, CanteenHost, Meal, MealStatus, Signup
from neighbours.meals.views import ACTIVE, MealView, SignupView, meal_views
from neighbours.neighbourhoods.models import Membership, MembershipStatus
from neighbours.pagination import Page, SortKey, check_cursor, decode_cursor, paginate


@dataclass
class AgendaItem(SignupView):
    """One of my signups with its meal."""

    meal: MealView | None = None


def my_meals(user: User, *, limit: int, after: str | None) -> Page[AgendaItem]:
    """My confirmed and waitlisted signups for published meals not yet ended, in the
    neighbourhoods I am an active member of, soonest first: five queries a page at most."""
    stmt = (
        select(Signup, Meal)
        .join(Meal, Meal.id == Signup.meal_id)
        .options(db.joinedload(Meal.canteen))
        .join(
            Membership,
            and_(
                Membership.neighbourhood_id == Meal.neighbourhood_id,
                Membership.user_id == Signup.user_id,
                Membership.status == MembershipStatus.ACTIVE,
            ),
        )
        .where(
            Signup.user_id == user.id,
            Signup.status.in_(ACTIVE),
            Meal.status == MealStatus.PUBLISHED,
            Meal.ends_at > utcnow(),
        )
    )
    page = paginate(
        db.session,
        stmt,
        [SortKey(Meal.starts_at), SortKey(Signup.id)],
        lambda row: [row[1].starts_at, row[0].id],
        limit=limit,
        after=after,
        scalars=False,
    )
    views = meal_views(user, [meal for _signup, meal in page.items])
    items = []
    for (signup, _meal), view in zip(page.items, views, strict=True):
        position = view.my_signup.waitlist_position if view.my_signup else None
        items.append(AgendaItem(signup, position, view.warnings, view.unsuited_diets, meal=view))
    return Page(items, page.next_cursor)


def _start_of_today(timezone: str) -> datetime:
    local = utcnow().astimezone(ZoneInfo(timezone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def my_hosting(user: User, *, limit: int, after: str | None) -> Page[MealView]:
    """The meals of the canteens I host now (drafts and cancelled ones too), from the start of
    today in each canteen's time zone, soonest first, with their availability."""
    hosting = policies.current_hosts().where(CanteenHost.user_id == user.id).subquery()
    by_zone: dict[str, list[int]] = defaultdict(list)
    for canteen_id, timezone in db.session.execute(
        select(Canteen.id, Canteen.timezone).where(Canteen.id.in_(select(hosting.c.canteen_id)))
    ).all():
        by_zone[timezone].append(canteen_id)
    keys = [SortKey(Meal.starts_at), SortKey(Meal.id)]
    if not by_zone:
        if after:  # still refuse what is not one of our cursors
            check_cursor(keys, decode_cursor(after, len(keys)))
        return Page([], None)
    since_today = or_(
        *[
            and_(Meal.canteen_id.in_(ids), Meal.starts_at >= _start_of_today(zone))
            for zone, ids in sorted(by_zone.items())
        ]
    )
    page = paginate(
        db.session,
        select(Meal).where(since_today).options(db.joinedload(Meal.canteen)),
        keys,
        lambda m: [m.starts_at, m.id],
        limit=limit,
        after=after,
    )
    return Page(meal_views(user, page.items), page.next_cursor)
