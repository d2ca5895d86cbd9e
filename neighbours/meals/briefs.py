"""The host's morning brief and the free-seats digest, sent by the job runner every minute.

**Morning brief** (`send_briefs`): at its canteen's `brief_at` (local time, default 08:00),
each current host of a published meal of that day gets the meal's numbers per pool: seats
taken, guests, bookings, the waitlist, and each diet and allergen counted among those who
booked (never who). Once per meal and host (`host_briefs`), until the meal starts (a meal
created later in the day is briefed at once; one that starts before the brief time gets none).

**Free-seats digest** (`send_digests`, opt-in): at `FREE_SEATS_DIGEST_AT` (20:00) on the clock
of the canteens of their neighbourhoods, each member who asked for it hears which published
meals of tonight and tomorrow in their neighbourhoods still take signups and have seats.
Once per person per local day (`seat_digests`; a day with nothing to say is recorded, and
nothing sent).
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from neighbours.accounts.models import User
from neighbours.dietary import DIETS, EU_ALLERGENS
from neighbours.extensions import db
from neighbours.jobs import claim_once
from neighbours.meals.models import Canteen, CanteenHost, Meal, MealStatus, SeatPool, Signup
from neighbours.meals.models import SignupStatus as Status
from neighbours.meals.policies import current_hosts
from neighbours.meals.reminders import local_time
from neighbours.meals.sent import HostBrief, SeatDigest
from neighbours.neighbourhoods.models import Membership, MembershipStatus
from neighbours.notifications.services import notify
from neighbours.notifications.settings import digest_subscribers, turned_off
from neighbours.notifications.types import NotificationType
from neighbours.timefmt import iso

log = logging.getLogger(__name__)


def at_local(day: date, hhmm: str, timezone: str) -> datetime:
    """`hhmm` on `day` on a canteen's clock, in UTC."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


# --- the morning brief -----------------------------------------------------------------------


def meal_numbers(meal: Meal) -> dict[str, Any]:
    """The brief's numbers: per pool, and in total (people and guests)."""
    rows = db.session.execute(
        select(Signup.pool_id, Signup.status, Signup.party_size, User.diets, User.allergens)
        .join(User, User.id == Signup.user_id)
        .where(Signup.meal_id == meal.id, Signup.status.in_([Status.CONFIRMED, Status.WAITLISTED]))
    ).all()
    pools = []
    for pool in sorted(meal.pools, key=lambda p: (p.position, p.id)):
        mine = [r for r in rows if r.pool_id == pool.id]
        confirmed = [r for r in mine if r.status == Status.CONFIRMED]
        diets: Counter[str] = Counter()
        allergens: Counter[str] = Counter()
        for row in confirmed:
            diets.update(set(row.diets or []))
            allergens.update(set(row.allergens or []))
        pools.append(
            {
                "key": pool.key,
                "label": pool.label,
                "capacity": pool.capacity,
                "people": sum(r.party_size for r in confirmed),
                "guests": sum(r.party_size - 1 for r in confirmed),
                "signups": len(confirmed),
                "waitlist": len(mine) - len(confirmed),
                "diets": {d: diets[d] for d in DIETS if diets[d]},
                "allergens": {a: allergens[a] for a in EU_ALLERGENS if allergens[a]},
            }
        )
    return {
        "people": sum(p["people"] for p in pools),
        "guests": sum(p["guests"] for p in pools),
        "pools": pools,
    }


def _briefs_due(now: datetime) -> list[tuple[Meal, Canteen, list[int]]]:
    """(meal, canteen, hosts not yet briefed) for the meals whose brief time has come."""
    meals = [
        (meal, canteen)
        for meal, canteen in db.session.execute(
            select(Meal, Canteen)
            .join(Canteen, Canteen.id == Meal.canteen_id)
            .where(
                Meal.status == MealStatus.PUBLISHED,
                Meal.starts_at > now,
                Meal.starts_at <= now + timedelta(hours=26),
            )
            .order_by(Meal.starts_at, Meal.id)
        ).all()
        if at_local(
            _local_day(meal.starts_at, canteen.timezone), canteen.brief_at, canteen.timezone
        )
        <= now
    ]
    if not meals:
        return []
    hosting = current_hosts().where(CanteenHost.canteen_id.in_({c.id for _, c in meals}))
    hosts: dict[int, list[int]] = {}
    for canteen_id, user_id in db.session.execute(hosting).all():
        hosts.setdefault(canteen_id, []).append(user_id)
    briefed = set(
        db.session.execute(
            select(HostBrief.meal_id, HostBrief.user_id).where(
                HostBrief.meal_id.in_([meal.id for meal, _ in meals])
            )
        ).all()
    )
    return [
        (
            meal,
            canteen,
            [h for h in sorted(hosts.get(canteen.id, [])) if (meal.id, h) not in briefed],
        )
        for meal, canteen in meals
    ]


def _local_day(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def send_briefs(now: datetime) -> int:
    """Send the morning briefs due at `now`, each once (a periodic job); returns how many."""
    due = [(meal, canteen, hosts) for meal, canteen, hosts in _briefs_due(now) if hosts]
    off = turned_off(sorted({h for *_, hosts in due for h in hosts}), "morning_brief")
    briefs = [
        (
            meal.id,
            [h for h in hosts if h not in off],
            {
                "meal_id": meal.id,
                "meal_title": meal.title,
                "starts_at": iso(meal.starts_at),
                "local_time": local_time(meal.starts_at, canteen.timezone),
                **meal_numbers(meal),
            },
        )
        for meal, canteen, hosts in due
    ]
    db.session.commit()
    sent = 0
    for meal_id, hosts, payload in briefs:
        for host_id in hosts:
            if claim_once(
                db.session, HostBrief.__table__, meal_id=meal_id, user_id=host_id, sent_at=now
            ):
                notify(host_id, NotificationType.HOST_BRIEF, payload)
                sent += 1
            db.session.commit()
    if sent:
        log.info("sent %d morning briefs", sent)
    return sent


# --- the free-seats digest -------------------------------------------------------------------


def _subscribers() -> dict[int, list[int]]:
    """Who asked for the digest -> the neighbourhoods they are active members of."""
    rows = db.session.execute(
        select(Membership.user_id, Membership.neighbourhood_id).where(
            Membership.user_id.in_(digest_subscribers()),
            Membership.status == MembershipStatus.ACTIVE,
        )
    ).all()
    found: dict[int, list[int]] = {}
    for user_id, neighbourhood_id in rows:
        found.setdefault(user_id, []).append(neighbourhood_id)
    return found


def _meals_with_seats(now: datetime, neighbourhood_ids: set[int]) -> list[dict[str, Any]]:
    """Published meals ahead in these neighbourhoods, still taking signups, with seats."""
    if not neighbourhood_ids:
        return []
    rows = db.session.execute(
        select(Meal, Canteen)
        .join(Canteen, Canteen.id == Meal.canteen_id)
        .where(
            Meal.neighbourhood_id.in_(neighbourhood_ids),
            Meal.status == MealStatus.PUBLISHED,
            Meal.starts_at > now,
            Meal.starts_at <= now + timedelta(hours=54),
            Meal.signup_closes_at > now,
        )
        .order_by(Meal.starts_at, Meal.id)
    ).all()
    left: Counter[int] = Counter()
    if rows:
        for meal_id, capacity, taken in db.session.execute(
            select(SeatPool.meal_id, SeatPool.capacity, SeatPool.taken).where(
                SeatPool.meal_id.in_([meal.id for meal, _ in rows]),
                # Seats at the table: a place cooking in the kitchen is not one (probe 5).
                SeatPool.key != "kitchen",
            )
        ).all():
            left[meal_id] += max(0, capacity - taken)
    return [
        {
            "meal_id": meal.id,
            "meal_title": meal.title,
            "starts_at": iso(meal.starts_at),
            "local_time": local_time(meal.starts_at, canteen.timezone),
            "canteen_name": canteen.name,
            "neighbourhood_id": meal.neighbourhood_id,
            "seats_left": left[meal.id],
            "day": _local_day(meal.starts_at, canteen.timezone),
        }
        for meal, canteen in rows
        if left[meal.id] > 0
    ]


def _clocks(neighbourhood_ids: set[int]) -> dict[int, str]:
    """Each neighbourhood's clock: the time zone of its first canteen."""
    clocks: dict[int, str] = {}
    for neighbourhood_id, timezone in db.session.execute(
        select(Canteen.neighbourhood_id, Canteen.timezone)
        .where(Canteen.neighbourhood_id.in_(neighbourhood_ids))
        .order_by(Canteen.id)
    ).all():
        clocks.setdefault(neighbourhood_id, timezone)
    return clocks


def send_digests(now: datetime) -> int:
    """Send the free-seats digests due at `now`, each once per person and local day (a
    periodic job); returns how many were sent."""
    subscribers = _subscribers()
    clocks = _clocks({n for ids in subscribers.values() for n in ids})
    hhmm = current_app.config["FREE_SEATS_DIGEST_AT"]
    due: dict[int, tuple[date, list[int]]] = {}
    for user_id, neighbourhood_ids in subscribers.items():
        zones = [clocks[n] for n in sorted(neighbourhood_ids) if n in clocks]
        if not zones:
            continue  # no canteen, no meal to tell of
        today = _local_day(now, zones[0])
        if at_local(today, hhmm, zones[0]) <= now:
            due[user_id] = (today, neighbourhood_ids)
    if due:
        done = set(
            db.session.execute(
                select(SeatDigest.user_id, SeatDigest.day).where(SeatDigest.user_id.in_(due))
            ).all()
        )
        due = {u: d for u, d in due.items() if (u, d[0]) not in done}
    meals = _meals_with_seats(now, {n for _, ids in due.values() for n in ids})
    db.session.commit()
    sent = 0
    for user_id, (today, neighbourhood_ids) in sorted(due.items()):
        theirs = [
            {key: value for key, value in meal.items() if key != "day"}
            for meal in meals
            if meal["neighbourhood_id"] in neighbourhood_ids
            and meal["day"] in (today, today + timedelta(days=1))
        ]
        values = {"user_id": user_id, "day": today, "meals": len(theirs), "sent_at": now}
        if claim_once(db.session, SeatDigest.__table__, **values) and theirs:
            notify(
                user_id,
                NotificationType.FREE_SEATS_DIGEST,
                {"day": today.isoformat(), "meals": theirs},
            )
            sent += 1
        db.session.commit()
    if sent:
        log.info("sent %d free-seats digests", sent)
    return sent
