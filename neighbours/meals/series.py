"""Meal series: a canteen's rhythm, set once by a host, whose meals are generated ahead.

A series is a template (title, menu, allergens and diets, cost, pools, local start time and
duration) and a rule (`neighbours.meals.recurrence`). Its meals are generated
`SERIES_WEEKS_AHEAD` weeks ahead (4 by default) when it is created or changed, and by
`extend_series` (a periodic job) as time goes on, as drafts or published (`publish`). Each
meal is an ordinary meal: signups are per meal, never for a series.

- A change to the series (`update_series`) applies to the template and to its meals not yet
  started; a change to a meal with `scope: "following"` (`update_following`) applies from
  that meal's date on. Meals keep their signups: a pool's capacity never goes below the seats
  taken (the meal's lock, as every seat change).
- A skipped date (`skip_date`) gets no meal, now or later; ending a series (`end_series`)
  generates no more. Either way the meals taken back go as `series_meals.retire` says: a
  draft is deleted, a published meal is cancelled with notice.

Who may: the canteen's hosts, as for its meals (others in the neighbourhood 403, outsiders
404).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from neighbours.accounts.models import User
from neighbours.database import utcnow
from neighbours.errors import Conflict, Invalid, NotFound
from neighbours.extensions import db
from neighbours.meals import policies
from neighbours.meals.lifecycle import KITCHEN_LEAD
from neighbours.meals.models import Canteen, Meal, MealSeries, SeriesSkip
from neighbours.meals.recurrence import MAX_MEALS, check_times, local_today, normalise_rule
from neighbours.meals.series_meals import (
    MEAL_FIELDS,
    Change,
    carry_over,
    fill,
    future_meals,
    lock_series,
    retire,
    rhythm,
    window,
    zone_of,
)
from neighbours.pagination import Page, SortKey, paginate
from neighbours.views import View

log = logging.getLogger(__name__)

ENDED = _l("The series of meals at this canteen has ended.")
SKIPPED = _l("There is no meal on this date after all.")
OFF_RULE = _l("The series no longer has a meal on this date.")
_TOO_MANY = _l("A series holds at most %(max)s meals.", max=MAX_MEALS)


@dataclass
class SeriesView(View, row="series"):
    series: MealSeries
    skipped_dates: list[date] = field(default_factory=list)
    upcoming: list[Meal] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "ended" if self.series.ended_at is not None else "active"

    @property
    def timezone(self) -> str:
        return self.series.canteen.timezone


def series_views(series_list: list[MealSeries], now: datetime) -> list[SeriesView]:
    """Views of several series in three queries: their skips ahead and their meals to come."""
    ids = [s.id for s in series_list]
    skips: dict[int, list[date]] = defaultdict(list)
    upcoming: dict[int, list[Meal]] = defaultdict(list)
    if ids:
        since = (now - timedelta(days=1)).date()
        for series_id, day in db.session.execute(
            select(SeriesSkip.series_id, SeriesSkip.occurrence_date)
            .where(SeriesSkip.series_id.in_(ids), SeriesSkip.occurrence_date >= since)
            .order_by(SeriesSkip.occurrence_date)
        ).all():
            skips[series_id].append(day)
        for meal in db.session.execute(
            select(Meal)
            .where(Meal.series_id.in_(ids), Meal.ends_at > now)
            .order_by(Meal.starts_at, Meal.id)
        ).scalars():
            upcoming[meal.series_id or 0].append(meal)
    return [SeriesView(s, skips[s.id], upcoming[s.id]) for s in series_list]


def series_view(series: MealSeries) -> SeriesView:
    return series_views([series], utcnow())[0]


def hosted_series(user: User, series_id: int) -> MealSeries:
    """A series of a canteen the caller hosts: 404 outside its neighbourhood, 403 inside."""
    series = db.session.get(MealSeries, series_id)
    if series is None or not policies.is_member(user, series.neighbourhood_id):
        raise NotFound()
    policies.require_host(user, series.canteen_id)
    return series


def _pool(spec: dict[str, Any]) -> dict[str, Any]:
    at = spec.get("start_time")
    return {
        "key": spec["key"],
        "label": spec.get("label") or spec["key"].replace("_", " ").capitalize(),
        "capacity": spec["capacity"],
        "start_time": at.strftime("%H:%M") if isinstance(at, time) else at,
    }


def _default_pools(canteen: Canteen, start: time) -> list[dict[str, Any]]:
    lead = datetime.combine(date.min, start) - datetime.combine(date.min, time())
    kitchen = (datetime.combine(date.min, start) - KITCHEN_LEAD).time()
    return [
        _pool({"key": "table", "label": "At the table", "capacity": canteen.default_capacity}),
        _pool(
            {
                "key": "kitchen",
                "label": "Cooking in the kitchen",
                "capacity": max(1, canteen.default_capacity // 6),
                "start_time": kitchen if lead >= KITCHEN_LEAD else None,
            }
        ),
    ]


def _check(
    series: MealSeries, now: datetime, first: date, names: dict[str, str] | None = None
) -> None:
    """What a series must be, whatever was changed: a 422 naming the field otherwise."""
    names = names or {}

    def name(field_name: str) -> str:
        return names.get(field_name, field_name)

    if series.until is not None and series.until < series.starts_on:
        raise Invalid(
            name("until"), _l("Must not be before starts_on."), reason="until_before_start"
        )
    dates = rhythm(series)
    total = dates.total(MAX_MEALS)
    if total is not None and total > MAX_MEALS:
        field_name = "count" if series.count is not None else "until"
        raise Invalid(name(field_name), _TOO_MANY, reason="too_many_meals")
    ahead = dates.dates(*window(series, now))
    if len(ahead) > MAX_MEALS:
        raise Invalid(name("rrule"), _TOO_MANY, reason="too_many_meals")
    times = [(name("start_time"), series.start_time)]
    times += [
        (name("pools"), time.fromisoformat(p["start_time"]))
        for p in series.pools
        if p.get("start_time")
    ]
    check_times(dates.dates(first, dates.checked_until(first)), zone_of(series), times)


# Series running at once on one canteen (lunch on weekdays, dinner on Fridays...: a few).
MAX_SERIES_PER_CANTEEN = 7


def create_series(user: User, canteen_id: int, fields: dict[str, Any]) -> SeriesView:
    """A series and its meals for the weeks ahead."""
    canteen = policies.visible_canteen(user, canteen_id)
    policies.require_host(user, canteen.id)
    now = utcnow()
    today = local_today(now, ZoneInfo(canteen.timezone))
    if fields["starts_on"] < today:
        raise Invalid("starts_on", _l("Must be today or later."), reason="meal_in_past")
    pools = fields.get("pools")
    series = MealSeries(
        canteen=canteen,
        canteen_id=canteen.id,
        neighbourhood_id=canteen.neighbourhood_id,
        rrule=normalise_rule(fields["rrule"]),
        starts_on=fields["starts_on"],
        start_time=fields["start_time"],
        duration_minutes=fields["duration_minutes"],
        signup_closes_before_minutes=fields["signup_closes_before_minutes"],
        pools=[_pool(p) for p in pools] if pools else _default_pools(canteen, fields["start_time"]),
        until=fields.get("until"),
        count=fields.get("count"),
        publish=fields["publish"],
        created_by_id=user.id,
        version=0,
        **{name: fields[name] for name in MEAL_FIELDS},
    )
    _check(series, now, series.starts_on)
    # A bound on what one canteen generates (probe 5: ten series of 27 meals in 4 s): its row
    # locked, so two creations at once count each other.
    db.session.execute(select(Canteen.id).where(Canteen.id == canteen.id).with_for_update())
    running = db.session.scalar(
        select(func.count())
        .select_from(MealSeries)
        .where(MealSeries.canteen_id == canteen.id, MealSeries.ended_at.is_(None))
    )
    if running >= MAX_SERIES_PER_CANTEEN:
        raise Conflict(
            _l(
                "This canteen already runs %(n)s series: end one before starting another.",
                n=MAX_SERIES_PER_CANTEEN,
            ),
            reason="too_many_series",
        )
    db.session.add(series)
    db.session.flush()
    fill(series, now)
    db.session.commit()
    return series_view(series)


def list_series(user: User, canteen_id: int, *, limit: int, after: str | None) -> Page[SeriesView]:
    canteen = policies.visible_canteen(user, canteen_id)
    policies.require_host(user, canteen.id)
    page = paginate(
        db.session,
        select(MealSeries).where(MealSeries.canteen_id == canteen.id),
        [SortKey(MealSeries.id)],
        lambda s: [s.id],
        limit=limit,
        after=after,
    )
    return Page(series_views(page.items, utcnow()), page.next_cursor)


def get_series(user: User, series_id: int) -> SeriesView:
    return series_view(hosted_series(user, series_id))


def locked_series(user: User, series_id: int) -> MealSeries:
    """The caller's series, locked, and not ended."""
    series = lock_series(hosted_series(user, series_id).id)
    if series is None:
        raise NotFound()
    if series.ended_at is not None:
        raise Conflict(_l("This series has ended."), reason="series_ended")
    return series


def _merge_pools(series: MealSeries, specs: list[dict[str, Any]], field_name: str) -> None:
    merged = [dict(p) for p in series.pools]
    by_key = {p["key"]: p for p in merged}
    for spec in specs:
        pool = by_key.get(spec["key"])
        if pool is None:
            if "capacity" not in spec:
                raise Invalid(
                    field_name,
                    _l("New pool '%(key)s' needs a capacity.", key=spec["key"]),
                    reason="pool_capacity_required",
                )
            pool = _pool(spec)
            merged.append(pool)
            by_key[pool["key"]] = pool
        else:
            pool.update({k: v for k, v in _pool({**pool, **spec}).items() if k in spec})
    series.pools = merged


def change_template(
    series: MealSeries,
    fields: dict[str, Any],
    now: datetime,
    first: date,
    names: dict[str, str] | None = None,
) -> tuple[Change, bool]:
    """Change the template (in memory, then checked) and say what its meals must follow:
    the `Change` for the meals already generated, and whether the dates changed."""
    change = Change()
    for name in MEAL_FIELDS:
        if name in fields and fields[name] != getattr(series, name):
            setattr(series, name, fields[name])
            change.fields[name] = fields[name]
    ends = (series.rrule, series.until, series.count)
    if "rrule" in fields:
        series.rrule = normalise_rule(fields["rrule"])
    for end, other in (("until", "count"), ("count", "until")):
        if end in fields:
            setattr(series, end, fields[end])
            if fields[end] is not None:
                setattr(series, other, None)
    for name, flag in (
        ("start_time", "start_time"),
        ("duration_minutes", "duration"),
        ("signup_closes_before_minutes", "closes"),
    ):
        if name in fields and fields[name] != getattr(series, name):
            setattr(series, name, fields[name])
            setattr(change, flag, True)
    if fields.get("pools"):
        _merge_pools(series, fields["pools"], (names or {}).get("pools", "pools"))
        change.pools = [{k: _pool({"capacity": 0, **p})[k] for k in p} for p in fields["pools"]]
    if "publish" in fields:
        change.publish = fields["publish"] and not series.publish
        series.publish = fields["publish"]
    _check(series, now, first, names)
    return change, (series.rrule, series.until, series.count) != ends


def _retire_off_rule(series: MealSeries, user: User, now: datetime) -> None:
    """After the dates changed: its meals to come on dates no longer in the rule go."""
    meals = future_meals(series, now)
    days = [m.occurrence_date for m in meals if m.occurrence_date is not None]
    if not days:
        return
    kept = set(rhythm(series).dates(min(days), max(days)))
    off = [m for m in meals if m.occurrence_date not in kept]
    # Its dates are free again: a rule changed back brings their meals back (probe 5).
    retire(off, user, str(OFF_RULE), now, release=True)


def update_series(user: User, series_id: int, fields: dict[str, Any]) -> SeriesView:
    """Change the template; its meals not yet started follow, then the window is filled."""
    series = locked_series(user, series_id)
    now = utcnow()
    change, dates_changed = change_template(series, fields, now, local_today(now, zone_of(series)))
    if change:
        carry_over(series, change, future_meals(series, now), now)
    if dates_changed:
        _retire_off_rule(series, user, now)
    fill(series, now)
    db.session.commit()
    return series_view(series)


def end_series(user: User, series_id: int, reason: str | None) -> None:
    """No more meals: its drafts to come are deleted, its published meals to come cancelled
    with notice (`retire`). Ending an ended series does nothing."""
    series = lock_series(hosted_series(user, series_id).id)
    if series is None or series.ended_at is not None:
        return
    now = utcnow()
    series.ended_at = now
    retire(future_meals(series, now), user, reason or str(ENDED), now)
    db.session.commit()


def skip_date(user: User, series_id: int, day: date, reason: str | None) -> SeriesView:
    """No meal on this date of the series, now or ever (a holiday): its meal, if generated,
    is taken back (`retire`)."""
    series = locked_series(user, series_id)
    now = utcnow()
    if day < local_today(now, zone_of(series)):
        raise Invalid("date", _l("Must be today or later."), reason="meal_in_past")
    if not rhythm(series).is_date(day):
        raise Invalid("date", _l("Not a date of this series."), reason="not_an_occurrence")
    if db.session.get(SeriesSkip, (series.id, day)) is None:
        db.session.add(SeriesSkip(series_id=series.id, occurrence_date=day))
    meals = db.session.execute(
        select(Meal).where(Meal.series_id == series.id, Meal.occurrence_date == day)
    ).scalars()
    retire(list(meals), user, reason or str(SKIPPED), now)
    db.session.commit()
    return series_view(series)


def extend_series(now: datetime | None = None) -> int:
    """Generate the weeks ahead of every active series (a periodic job; safe to run twice,
    or in two workers at once). Each series is its own transaction, so one that fails does
    not hold the others back; the failures are raised together at the end (the job runner
    retries). Returns how many meals were created."""
    now = now or utcnow()
    ids = db.session.execute(
        select(MealSeries.id)
        .where(
            MealSeries.ended_at.is_(None),
            or_(MealSeries.until.is_(None), MealSeries.until >= (now - timedelta(days=1)).date()),
        )
        .order_by(MealSeries.id)
    ).scalars()
    created, failed = 0, []
    for series_id in list(ids):
        try:
            series = lock_series(series_id)
            made = fill(series, now) if series is not None else 0
            db.session.commit()
            created += made
        except Exception:
            db.session.rollback()
            log.exception("could not extend meal series %s (now=%s)", series_id, now)
            failed.append(series_id)
    if failed:
        raise RuntimeError(f"meal series not extended: {failed}")
    return created
