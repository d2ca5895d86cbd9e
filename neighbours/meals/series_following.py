"""Editing a meal of a series with `scope: "following"`: this meal and the following ones.

The edit is said in the meal's own fields (`starts_at`, `ends_at`, `signup_closes_at`,
pools' `starts_at`) and stands for a change of the series' template from this meal's date on:
its local time of day, its duration, when signups close. Times must stay on the meal's own
day (the days are the rule's). Then the meals from that date on follow, as with
`series.update_series`: signups stay, capacities never go below the seats taken.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from neighbours.accounts.models import User
from neighbours.database import utcnow
from neighbours.errors import Conflict, Invalid
from neighbours.extensions import db
from neighbours.meals import policies
from neighbours.meals.models import Meal, MealSeries, MealStatus
from neighbours.meals.series import change_template, locked_series
from neighbours.meals.series_meals import MEAL_FIELDS, carry_over, future_meals, zone_of
from neighbours.meals.views import MealView, meal_view

# A change with `scope: "following"` is said in a meal's own fields.
_FOLLOWING_NAMES = {
    "start_time": "starts_at",
    "duration_minutes": "ends_at",
    "signup_closes_before_minutes": "signup_closes_at",
    "rrule": "scope",
    "until": "scope",
    "count": "scope",
}


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _on_day(moment: datetime, day: date, zone: ZoneInfo, field_name: str) -> time:
    local = moment.astimezone(zone)
    if local.date() != day:
        raise Invalid(
            field_name,
            _l(
                "For this and the following meals, keep it on the meal's day (%(date)s); "
                "the days are the series' rule.",
                date=day.isoformat(),
            ),
            reason="series_day_change",
        )
    return local.time().replace(second=0, microsecond=0)


def _template_fields(meal: Meal, series: MealSeries, fields: dict[str, Any]) -> dict[str, Any]:
    """A meal edit, as the template change it stands for from this meal's date on."""
    zone = zone_of(series)
    day = meal.occurrence_date
    assert day is not None
    changes = {name: fields[name] for name in MEAL_FIELDS if name in fields}
    starts_at = meal.starts_at
    if "starts_at" in fields:
        changes["start_time"] = _on_day(fields["starts_at"], day, zone, "starts_at")
        starts_at = datetime.combine(day, changes["start_time"], zone)
    if "ends_at" in fields:
        minutes = _minutes(fields["ends_at"] - starts_at)
        if minutes < 1:
            raise Invalid("ends_at", _l("Must be after starts_at."), reason="ends_before_start")
        if minutes > 24 * 60:
            raise Invalid(
                "ends_at", _l("A meal of a series lasts at most 24 hours."), reason="out_of_bounds"
            )
        changes["duration_minutes"] = minutes
    if "signup_closes_at" in fields:
        minutes = _minutes(starts_at - fields["signup_closes_at"])
        if minutes < 0:
            raise Invalid(
                "signup_closes_at", _l("Must not be after starts_at."), reason="closes_after_start"
            )
        if minutes > 7 * 24 * 60:  # as the series' own field: refused, not cut (probe 5)
            raise Invalid(
                "signup_closes_at",
                _l("In a series, signups close at most a week before the meal."),
                reason="out_of_bounds",
            )
        changes["signup_closes_before_minutes"] = minutes
    if "pools" in fields:
        pools = []
        for spec in fields["pools"]:
            pool = {k: v for k, v in spec.items() if k != "starts_at"}
            if "starts_at" in spec:
                at = spec["starts_at"]
                pool["start_time"] = _on_day(at, day, zone, "pools") if at else None
            pools.append(pool)
        changes["pools"] = pools
    return changes


def update_following(user: User, meal_id: int, fields: dict[str, Any]) -> MealView:
    """Edit this meal and the following ones of its series: the template changes from this
    meal's date on, and the meals from it on follow (`update_series`' rules)."""
    meal = policies.hosted_meal(user, meal_id)
    if meal.series_id is None or meal.occurrence_date is None:
        raise Invalid(
            "scope", _l("This meal is not part of a series: edit it alone."), reason="not_in_series"
        )
    series = locked_series(user, meal.series_id)
    now = utcnow()
    db.session.refresh(meal)
    if meal.status == MealStatus.CANCELLED:
        raise Conflict(_l("This meal is cancelled."), reason="meal_cancelled")
    if "starts_at" in fields and fields["starts_at"] <= now:
        raise Invalid("starts_at", _l("Must be in the future."), reason="meal_in_past")
    changes = _template_fields(meal, series, fields)
    change, _dates = change_template(series, changes, now, meal.occurrence_date, _FOLLOWING_NAMES)
    if change:
        meals = future_meals(series, now, first=meal.occurrence_date)
        if meal.id not in {m.id for m in meals}:
            meals.append(meal)  # under way: it changes too, as asked
        carry_over(series, change, meals, now)
    db.session.commit()
    return meal_view(user, meal)
