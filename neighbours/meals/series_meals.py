"""A series' meals: generating them from its template, carrying a template change over to
the meals already generated, and taking meals back (a skipped date, an ended series).

All of it runs in the caller's transaction, with the series locked (`lock_series`, always
before any meal's lock). Generation is idempotent: a meal stands for one (series, date) of
the rule (a unique key), the dates already held or skipped are left alone, and two workers
generating at once queue on the series' lock, so the second finds the first one's meals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select, update

from neighbours.accounts.models import User
from neighbours.extensions import db
from neighbours.meals.conversations import sync_conversation
from neighbours.meals.ledger import announce, lock, promote_waitlist, publish_availability
from neighbours.meals.ledger import snapshot as seats_snapshot
from neighbours.meals.lifecycle import cancel_locked
from neighbours.meals.models import Meal, MealSeries, MealStatus, SeatPool, SeriesSkip
from neighbours.meals.recurrence import MAX_MEALS, Rhythm, instant, local_today
from neighbours.meals.views import pools_of

# The fields a series gives its meals as they are.
MEAL_FIELDS = ("title", "menu", "allergens", "diets", "cost_price_cents")


def rhythm(series: MealSeries) -> Rhythm:
    return Rhythm(series.rrule, series.starts_on, series.until, series.count)


def zone_of(series: MealSeries) -> ZoneInfo:
    return ZoneInfo(series.canteen.timezone)


def weeks_ahead() -> int:
    return int(current_app.config.get("SERIES_WEEKS_AHEAD", 4))


def window(series: MealSeries, now: datetime) -> tuple[date, date]:
    """The dates generated ahead: from today (or the series' first day) for the weeks set."""
    today = local_today(now, zone_of(series))
    return max(today, series.starts_on), today + timedelta(weeks=weeks_ahead(), days=-1)


def lock_series(series_id: int) -> MealSeries | None:
    """Take the series' row lock for this transaction (an UPDATE, as `ledger.lock` does for a
    meal), and read it afresh: generations and edits of one series run one at a time."""
    return db.session.execute(
        update(MealSeries)
        .where(MealSeries.id == series_id)
        .values(version=MealSeries.version + 1)
        .returning(MealSeries)
        .execution_options(populate_existing=True, synchronize_session=False)
    ).scalar_one_or_none()


def _local(day: date, at: Any, zone: ZoneInfo) -> datetime | None:
    return instant(day, time.fromisoformat(at), zone) if at else None


@dataclass
class Slot:
    """One date's meal times, from the template."""

    starts_at: datetime
    ends_at: datetime
    signup_closes_at: datetime


def slot(series: MealSeries, day: date, zone: ZoneInfo) -> Slot:
    starts_at = instant(day, series.start_time, zone)
    return Slot(
        starts_at,
        starts_at + timedelta(minutes=series.duration_minutes),
        starts_at - timedelta(minutes=series.signup_closes_before_minutes),
    )


def _new_meal(series: MealSeries, day: date, times: Slot, zone: ZoneInfo) -> Meal:
    meal = Meal(
        canteen_id=series.canteen_id,
        neighbourhood_id=series.neighbourhood_id,
        series_id=series.id,
        occurrence_date=day,
        starts_at=times.starts_at,
        ends_at=times.ends_at,
        signup_closes_at=times.signup_closes_at,
        status=MealStatus.PUBLISHED if series.publish else MealStatus.DRAFT,
        created_by_id=series.created_by_id,
        availability_version=0,
        **{name: getattr(series, name) for name in MEAL_FIELDS},
    )
    meal.pools = [
        SeatPool(
            key=spec["key"],
            label=spec["label"],
            capacity=spec["capacity"],
            taken=0,
            starts_at=_local(day, spec.get("start_time"), zone),
            position=position,
        )
        for position, spec in enumerate(series.pools)
    ]
    return meal


def held_dates(series: MealSeries, first: date) -> set[date]:
    """The dates from `first` on that have a meal (whatever its status) or are skipped."""
    meals = select(Meal.occurrence_date).where(
        Meal.series_id == series.id, Meal.occurrence_date >= first
    )
    skips = select(SeriesSkip.occurrence_date).where(
        SeriesSkip.series_id == series.id, SeriesSkip.occurrence_date >= first
    )
    return set(db.session.execute(meals).scalars()) | set(db.session.execute(skips).scalars())


def fill(series: MealSeries, now: datetime) -> int:
    """Generate the missing meals of the window ahead, in the caller's transaction (the series
    locked): published ones reach the neighbourhood as a new meal does. Returns how many."""
    if series.ended_at is not None:
        return 0
    zone = zone_of(series)
    first, last = window(series, now)
    held = held_dates(series, first)
    created = 0
    for day in rhythm(series).dates(first, last)[:MAX_MEALS]:
        times = slot(series, day, zone)
        if day in held or times.starts_at <= now:
            continue
        meal = _new_meal(series, day, times, zone)
        db.session.add(meal)
        db.session.flush()
        if meal.status == MealStatus.PUBLISHED:
            publish_availability(meal, meal.pools, {})
            sync_conversation(meal)
        created += 1
    return created


def future_meals(series: MealSeries, now: datetime, first: date | None = None) -> list[Meal]:
    """The series' meals still to come (drafts and published), from `first` on, in id order
    (the order meals are locked in)."""
    stmt = select(Meal).where(
        Meal.series_id == series.id,
        Meal.status.in_((MealStatus.DRAFT, MealStatus.PUBLISHED)),
        Meal.starts_at > now,
    )
    if first is not None:
        stmt = stmt.where(Meal.occurrence_date >= first)
    return list(db.session.execute(stmt.order_by(Meal.id)).scalars())


def retire(
    meals: list[Meal], actor: User, reason: str, now: datetime, *, release: bool = False
) -> None:
    """Take back meals of a series (a skipped date, an ended series, days no longer in its
    rule): a draft, which no member saw, is deleted; a published meal is cancelled with
    notice, as a host cancels one (its diners are told why, the neighbourhood sees it go).
    Started meals are left as they are. `release`: the cancelled meal lets go of its date,
    so that a later rule with that day again generates a new meal for it."""
    for meal in sorted(meals, key=lambda m: m.id):
        lock(meal)
        if meal.starts_at <= now:
            continue
        if meal.status == MealStatus.DRAFT:
            db.session.delete(meal)
        elif meal.status == MealStatus.PUBLISHED:
            cancel_locked(meal, actor, reason)
            if release:
                meal.occurrence_date = None
    db.session.flush()


@dataclass
class Change:
    """What a template change does to the meals already generated: the meal fields to set,
    which times to compute again, and the pools to change (by key)."""

    fields: dict[str, Any] = field(default_factory=dict)
    start_time: bool = False
    duration: bool = False
    closes: bool = False
    pools: list[dict[str, Any]] = field(default_factory=list)
    publish: bool = False

    def __bool__(self) -> bool:
        return bool(
            self.fields
            or self.start_time
            or self.duration
            or self.closes
            or self.pools
            or self.publish
        )


def _change_times(
    meal: Meal, series: MealSeries, change: Change, zone: ZoneInfo, now: datetime
) -> None:
    if change.start_time and meal.occurrence_date is not None:
        starts_at = instant(meal.occurrence_date, series.start_time, zone)
        if starts_at > now:
            meal.starts_at = starts_at
    if change.start_time or change.duration:
        meal.ends_at = meal.starts_at + timedelta(minutes=series.duration_minutes)
    if change.start_time or change.closes:
        minutes = series.signup_closes_before_minutes
        meal.signup_closes_at = meal.starts_at - timedelta(minutes=minutes)


def _change_pools(meal: Meal, series: MealSeries, change: Change, zone: ZoneInfo) -> None:
    """Pool changes under the meal's lock: a capacity never goes below the seats taken (the
    meal keeps its signups: its capacity becomes the seats taken), a raised one serves the
    waitlist, a new pool is added with the template's spec."""
    pools = {p.key: p for p in pools_of([meal.id], fresh=True)[meal.id]}
    template = {spec["key"]: spec for spec in series.pools}
    day = meal.occurrence_date or meal.starts_at.astimezone(zone).date()
    for spec in change.pools:
        pool = pools.get(spec["key"])
        if pool is None:
            whole = template[spec["key"]]
            pool = SeatPool(
                meal_id=meal.id,
                key=whole["key"],
                label=whole["label"],
                capacity=whole["capacity"],
                taken=0,
                starts_at=_local(day, whole.get("start_time"), zone),
                position=len(pools),
            )
            db.session.add(pool)
            pools[pool.key] = pool
            continue
        if "capacity" in spec:
            db.session.refresh(pool)  # the seats taken now, under the lock
            target = max(spec["capacity"], pool.taken)
            db.session.execute(
                update(SeatPool)
                .where(SeatPool.id == pool.id, SeatPool.taken <= target)
                .values(capacity=target)
                .execution_options(synchronize_session=False)
            )
            db.session.refresh(pool)
        if "label" in spec:
            pool.label = spec["label"]
        if "start_time" in spec:
            pool.starts_at = _local(day, spec["start_time"], zone)
        promote_waitlist(pool)


def carry_over(series: MealSeries, change: Change, meals: list[Meal], now: datetime) -> None:
    """Apply a template change to meals already generated, each under its lock (in id
    order): their signups stay, their seats are never oversold, whoever moves is told."""
    zone = zone_of(series)
    for meal in sorted(meals, key=lambda m: m.id):
        lock(meal)
        if meal.status not in (MealStatus.DRAFT, MealStatus.PUBLISHED):
            continue
        before = seats_snapshot(meal.id)
        for name, value in change.fields.items():
            setattr(meal, name, value)
        _change_times(meal, series, change, zone, now)
        if change.pools:
            _change_pools(meal, series, change, zone)
        was_draft = meal.status == MealStatus.DRAFT
        if change.publish and was_draft:
            meal.status = MealStatus.PUBLISHED
        db.session.flush()
        announce(meal, before, actor_id=None)
        sync_conversation(meal)
