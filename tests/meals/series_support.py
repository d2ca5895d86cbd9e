"""Helpers for the meal series tests: a series made through the API, local dates and times."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.meals.models import Meal

PARIS = ZoneInfo("Europe/Paris")
EVERY_DAY = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU"
WEEKDAYS = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"


def today() -> date:
    """Today in the canteens' time zone (the tests' canteens are in Paris)."""
    return utcnow().astimezone(PARIS).date()


def body(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Déjeuner du quartier",
        "menu": "Soupe, pain, fromage",
        "rrule": EVERY_DAY,
        "starts_on": (today() + timedelta(days=1)).isoformat(),
        "start_time": "12:30",
        "duration_minutes": 90,
        "publish": True,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not ...}


def create(api: Any, canteen: Any, **changes: Any) -> dict[str, Any]:
    r = api.post(f"/canteens/{canteen.id}/series", json=body(**changes), as_=canteen.host)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def meals_of(series_id: int) -> list[Meal]:
    """The series' meals in the database, by date."""
    db.session.expire_all()
    return list(
        db.session.execute(
            select(Meal).where(Meal.series_id == series_id).order_by(Meal.occurrence_date)
        ).scalars()
    )


def local(moment: datetime) -> datetime:
    return moment.astimezone(PARIS)


def noon_utc(day: date) -> datetime:
    """A moment on `day` (12:00 UTC), for `extend_series(now=...)`."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo("UTC"))


def last_sunday_of_october(after: date) -> date:
    """The next last Sunday of October (the night the clocks go back in Europe) after `after`."""
    year = after.year
    while True:
        day = date(year, 10, 31)
        day -= timedelta(days=(day.weekday() - 6) % 7)
        if day > after:
            return day
        year += 1


def last_sunday_of_march(after: date) -> date:
    """The next last Sunday of March (the clocks go forward: 02:00-03:00 does not exist)."""
    year = after.year
    while True:
        day = date(year, 3, 31)
        day -= timedelta(days=(day.weekday() - 6) % 7)
        if day > after:
            return day
        year += 1
