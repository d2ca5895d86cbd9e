"""Meals as iCalendar (RFC 5545), through the `icalendar` library: one meal's `.ics`, and a
person's feed (`calendar_feed`).

Each meal is one VEVENT: a `UID` that never changes (`meal-<id>@CALENDAR_UID_DOMAIN`), a
`SEQUENCE` raised by every change a calendar shows (`Meal.sequence`, kept by the models),
`STATUS:CANCELLED` once cancelled (`TENTATIVE` for a draft, or for a reader on the waitlist),
its times in the canteen's `TZID` with the `VTIMEZONE` that defines it, and the canteen's
name and address as `LOCATION`. A reader who cooks (a pool that starts earlier, the kitchen)
sees the event start when their pool does. Nothing in it names anyone but the reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext
from icalendar import Calendar, Event, vDuration, vGeo

from neighbours.meals.models import Meal, MealStatus, SeatPool, Signup, SignupStatus

PRODID = "-//neighbours//shared meals//EN"
# How often a subscribed calendar should look again (Apple honours X-PUBLISHED-TTL).
REFRESH = timedelta(hours=1)


@dataclass
class CalendarMeal:
    """A meal as one reader's calendar shows it: with their signup (and its pool, and place
    on the waitlist) if they have one."""

    meal: Meal
    signup: Signup | None = None
    pool: SeatPool | None = None
    waitlist_position: int | None = None


def uid_of(meal: Meal) -> str:
    return f"meal-{meal.id}@{current_app.config.get('CALENDAR_UID_DOMAIN', 'neighbours.local')}"


def _status(item: CalendarMeal) -> str:
    if item.meal.status == MealStatus.CANCELLED:
        return "CANCELLED"
    waiting = item.signup is not None and item.signup.status == SignupStatus.WAITLISTED
    if item.meal.status == MealStatus.DRAFT or waiting:
        return "TENTATIVE"
    return "CONFIRMED"


def _description(item: CalendarMeal, zone: ZoneInfo) -> str:
    meal = item.meal
    lines = [meal.menu] if meal.menu else []
    if meal.allergens:
        lines.append(gettext("Allergens: %(list)s", list=", ".join(meal.allergens)))
    if meal.diets:
        lines.append(gettext("Suits: %(list)s", list=", ".join(meal.diets)))
    if item.signup is not None and item.pool is not None:
        size = item.signup.party_size  # 1 to 4
        people = gettext("%(num)s people", num=size) if size > 1 else gettext("1 person")
        if item.signup.status == SignupStatus.WAITLISTED:
            lines.append(
                gettext(
                    "You are on the waitlist of '%(pool)s' (number %(position)s), for %(people)s.",
                    pool=item.pool.label,
                    position=item.waitlist_position or "?",
                    people=people,
                )
            )
        elif item.signup.status == SignupStatus.CONFIRMED:
            lines.append(
                gettext(
                    "You are booked in '%(pool)s', for %(people)s.",
                    pool=item.pool.label,
                    people=people,
                )
            )
        if item.pool.starts_at is not None:
            at = item.pool.starts_at.astimezone(zone).strftime("%H:%M")
            lines.append(gettext("'%(pool)s' starts at %(time)s.", pool=item.pool.label, time=at))
    if meal.status == MealStatus.DRAFT:
        lines.append(gettext("A draft: not published yet."))
    if meal.status == MealStatus.CANCELLED:
        lines.append(gettext("Cancelled: %(reason)s", reason=meal.cancel_reason or ""))
    return "\n\n".join(lines)


def meal_event(item: CalendarMeal) -> Event:
    meal = item.meal
    canteen = meal.canteen
    zone = ZoneInfo(canteen.timezone)
    starts_at = meal.starts_at
    if item.pool is not None and item.pool.starts_at is not None:
        signed = item.signup is not None and item.signup.status != SignupStatus.CANCELLED
        if signed and item.pool.starts_at < starts_at:
            starts_at = item.pool.starts_at  # they come to cook: their day starts earlier
    event = Event()
    event.add("uid", uid_of(meal))
    # The last change of the meal in the store (deterministic: an unchanged meal gives the
    # same bytes, so its ETag holds).
    event.add("dtstamp", meal.updated_at or meal.created_at)
    event.add("created", meal.created_at)
    event.add("sequence", meal.sequence or 0)
    event.add("dtstart", starts_at.astimezone(zone))
    event.add("dtend", meal.ends_at.astimezone(zone))
    event.add("summary", meal.title)
    description = _description(item, zone)
    if description:
        event.add("description", description)
    event.add("location", f"{canteen.name}, {canteen.address}")
    if canteen.latitude is not None and canteen.longitude is not None:
        event.add("geo", vGeo((canteen.latitude, canteen.longitude)))
    event.add("status", _status(item))
    return event


def calendar(items: list[CalendarMeal], *, name: str | None = None) -> bytes:
    """The calendar of these meals, with a VTIMEZONE for each time zone they use."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if name is not None:
        cal.add("x-wr-calname", name)
        cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        # An unknown property: given as text, else it would read "1:00:00" (probe 5).
        cal.add("x-published-ttl", vDuration(REFRESH).to_ical().decode())
    for item in items:
        cal.add_component(meal_event(item))
    if items:
        moments: list[datetime] = [i.meal.starts_at for i in items]
        moments += [i.pool.starts_at for i in items if i.pool and i.pool.starts_at]
        first = min(moments).date() - timedelta(days=366)
        last = max(i.meal.ends_at for i in items).date() + timedelta(days=366)
        cal.add_missing_timezones(first_date=first, last_date=last)
    return cal.to_ical()
