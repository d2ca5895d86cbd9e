"""A person's meals in their calendar app: one meal's `.ics`, and a feed at a secret URL.

Google and Apple calendars subscribe to a URL and can't sign in, so the feed's URL carries a
secret: made, rotated (made again: the old URL stops working) and revoked from `/me`, stored
only as its SHA-256, like session tokens. The feed holds the owner's meals and nothing of
anyone else:

- the meals they signed up for, confirmed (`CONFIRMED`) or waitlisted (`TENTATIVE`, with
  their place), and those cancelled while they were signed up (`CANCELLED`), in the
  neighbourhoods they are still an active member of;
- for hosts, the meals of the canteens they host: published, drafts (`TENTATIVE`) and
  cancelled ones;

from `FEED_PAST_DAYS` ago (so that yesterday's lunch doesn't vanish from the calendar) to
whatever has been planned, at most `FEED_MAX_MEALS`, soonest first.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale, gettext
from sqlalchemy import and_, or_, select

from neighbours.accounts.models import User
from neighbours.auth import hash_token
from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.meals import policies
from neighbours.meals.calendar import CalendarMeal, calendar
from neighbours.meals.models import CalendarFeed, CanteenHost, Meal, MealStatus, SeatPool, Signup
from neighbours.meals.views import ACTIVE, waitlist_positions
from neighbours.neighbourhoods.models import Membership, MembershipStatus
from neighbours.notifications.services import live_language

FEED_PAST_DAYS = 30
FEED_MAX_MEALS = 500
# What a secret looks like (`secrets.token_urlsafe(32)`): anything else is not looked up.
SECRET_LENGTH = 43


@dataclass
class FeedStatus:
    active: bool
    created_at: datetime | None = None
    url: str | None = None
    webcal_url: str | None = None


def feed_status(user: User) -> FeedStatus:
    """Whether the caller has a feed (its URL can't be shown again: only its hash is kept)."""
    row = db.session.get(CalendarFeed, user.id)
    return FeedStatus(row is not None, row.created_at if row else None)


def new_feed(user: User) -> tuple[str, FeedStatus]:
    """A new secret for the caller's feed; any former URL stops working. The secret is
    returned once, never stored."""
    secret = secrets.token_urlsafe(32)
    row = db.session.get(CalendarFeed, user.id)
    if row is None:
        row = CalendarFeed(user_id=user.id)
        db.session.add(row)
    row.token_hash = hash_token(secret)
    row.created_at = utcnow()
    db.session.commit()
    return secret, FeedStatus(True, row.created_at)


def revoke_feed(user: User) -> None:
    """The feed's URL stops working (nothing happens when there is none)."""
    row = db.session.get(CalendarFeed, user.id)
    if row is not None:
        db.session.delete(row)
        db.session.commit()


def forget(user: User) -> None:
    """An account deleted: its feed goes (in the deletion's transaction)."""
    row = db.session.get(CalendarFeed, user.id)
    if row is not None:
        db.session.delete(row)


def feed_owner(secret: str) -> User | None:
    """The live account whose feed this secret opens, or None."""
    if len(secret) != SECRET_LENGTH:
        return None
    return db.session.execute(
        select(User)
        .join(CalendarFeed, CalendarFeed.user_id == User.id)
        .where(CalendarFeed.token_hash == hash_token(secret), User.deleted_at.is_(None))
    ).scalar_one_or_none()


def _signed_up(user: User, since: datetime) -> list[CalendarMeal]:
    member = and_(
        Membership.neighbourhood_id == Meal.neighbourhood_id,
        Membership.user_id == Signup.user_id,
        Membership.status == MembershipStatus.ACTIVE,
    )
    going = and_(Signup.status.in_(ACTIVE), Meal.status == MealStatus.PUBLISHED)
    # Cancelled with the meal (or after it), not by the diner before.
    called_off = and_(
        Meal.status == MealStatus.CANCELLED,
        Signup.cancelled_at.is_not(None),
        Signup.cancelled_at >= Meal.cancelled_at,
    )
    rows = db.session.execute(
        select(Signup, Meal, SeatPool)
        .join(Meal, Meal.id == Signup.meal_id)
        .join(SeatPool, SeatPool.id == Signup.pool_id)
        .join(Membership, member)
        .where(Signup.user_id == user.id, Meal.starts_at >= since, or_(going, called_off))
        .order_by(Meal.starts_at, Meal.id)
        .limit(FEED_MAX_MEALS)
    ).all()
    positions = waitlist_positions([signup for signup, _meal, _pool in rows])
    return [
        CalendarMeal(meal, signup, pool, positions.get(signup.id)) for signup, meal, pool in rows
    ]


def _hosted(user: User, since: datetime) -> list[CalendarMeal]:
    hosting = policies.current_hosts(with_suspended=True).where(CanteenHost.user_id == user.id)
    canteens = select(hosting.subquery().c.canteen_id)
    meals = db.session.execute(
        select(Meal)
        .where(Meal.canteen_id.in_(canteens), Meal.starts_at >= since)
        .order_by(Meal.starts_at, Meal.id)
        .limit(FEED_MAX_MEALS)
    ).scalars()
    return [CalendarMeal(meal) for meal in meals]


def feed_items(user: User, now: datetime | None = None) -> list[CalendarMeal]:
    """The owner's meals, each once (their own signup shown on a meal they also host)."""
    since = (now or utcnow()) - timedelta(days=FEED_PAST_DAYS)
    items = {item.meal.id: item for item in _hosted(user, since)}
    items.update({item.meal.id: item for item in _signed_up(user, since)})
    ordered = sorted(items.values(), key=lambda i: (i.meal.starts_at, i.meal.id))
    return ordered[:FEED_MAX_MEALS]


def feed_calendar(user: User) -> tuple[bytes, str]:
    """The owner's feed, in their language (they are not the caller: a calendar app is)."""
    language = live_language(user)
    with force_locale(language):
        return calendar(feed_items(user), name=gettext("My shared meals")), language


def meal_calendar(user: User, meal_id: int) -> bytes:
    """One meal's `.ics`, as the caller may see the meal (`GET /meals/{id}`' rules)."""
    meal = policies.visible_meal(user, meal_id)
    signup = db.session.execute(
        select(Signup).where(
            Signup.meal_id == meal.id, Signup.user_id == user.id, Signup.status.in_(ACTIVE)
        )
    ).scalar_one_or_none()
    if signup is None:
        return calendar([CalendarMeal(meal)])
    position = waitlist_positions([signup]).get(signup.id)
    return calendar([CalendarMeal(meal, signup, signup.pool, position)])
