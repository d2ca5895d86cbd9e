"""Reminders before a meal, sent by the job runner every minute (`send_due`).

Each canteen says how long before (`reminder_minutes`, default 180):

- a confirmed diner hears it that long before the meal starts (`meal_reminder`);
- a confirmed kitchen volunteer (the `kitchen` pool) that long before cooking starts, the
  pool's own `starts_at` (`kitchen_reminder`);
- someone still on a waitlist that long before the meal starts, with their place
  (`waitlist_reminder`).

Only for a published meal, while the moment it names is still ahead, and only to people who
booked before the reminder's moment (who books an hour before lunch needs no reminder of it).
Each is sent once per signup and kind: a `meal_reminders` row claimed in the transaction that
stores the notification. Anyone may turn each kind off (`/me/notification-settings`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from neighbours.extensions import db
from neighbours.jobs import claim_once
from neighbours.meals.models import Canteen, Meal, MealStatus, SeatPool, Signup, SignupStatus
from neighbours.meals.sent import MealReminder
from neighbours.meals.views import waitlist_positions
from neighbours.notifications.services import notify
from neighbours.notifications.settings import turned_off
from neighbours.notifications.types import NotificationType
from neighbours.timefmt import iso

log = logging.getLogger(__name__)

# The longest a canteen may ask (`reminder_minutes` <= 2880), and how much earlier than its
# meal a kitchen may start: what the candidates' query looks ahead.
LOOK_AHEAD = timedelta(minutes=2880) + timedelta(days=1)

# kind -> (notification type, the settings switch)
KINDS = {
    "diner": (NotificationType.MEAL_REMINDER, "diner_reminders"),
    "kitchen": (NotificationType.KITCHEN_REMINDER, "kitchen_reminders"),
    "waitlist": (NotificationType.WAITLIST_REMINDER, "waitlist_reminders"),
}


@dataclass
class Due:
    signup_id: int
    user_id: int
    meal_id: int
    kind: str
    payload: dict[str, Any]


def local_time(moment: datetime, timezone: str) -> str:
    """HH:MM of a moment on the canteen's clock."""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%H:%M")


def _kind(signup: Signup, pool: SeatPool) -> str:
    if signup.status == SignupStatus.WAITLISTED:
        return "waitlist"
    return "kitchen" if pool.key == "kitchen" else "diner"


def due_reminders(now: datetime) -> list[Due]:
    """The reminders due at `now` and not yet sent (settings not applied)."""
    rows = db.session.execute(
        select(Signup, SeatPool, Meal, Canteen)
        .join(SeatPool, SeatPool.id == Signup.pool_id)
        .join(Meal, Meal.id == Signup.meal_id)
        .join(Canteen, Canteen.id == Meal.canteen_id)
        .where(
            Meal.status == MealStatus.PUBLISHED,
            Meal.starts_at > now,
            Meal.starts_at <= now + LOOK_AHEAD,
            Signup.status.in_([SignupStatus.CONFIRMED, SignupStatus.WAITLISTED]),
        )
        .order_by(Signup.id)
    ).all()
    if not rows:
        return []
    sent = set(
        db.session.execute(
            select(MealReminder.signup_id, MealReminder.kind).where(
                MealReminder.signup_id.in_([signup.id for signup, *_ in rows])
            )
        ).all()
    )
    due: list[tuple[Signup, SeatPool, Meal, Canteen, str, datetime]] = []
    for signup, pool, meal, canteen in rows:
        kind = _kind(signup, pool)
        if (signup.id, kind) in sent:
            continue
        moment = pool.starts_at if kind == "kitchen" and pool.starts_at else meal.starts_at
        remind_at = moment - timedelta(minutes=canteen.reminder_minutes)
        booked = signup.created_at if kind == "waitlist" else signup.confirmed_at
        if remind_at <= now < moment and (booked or signup.created_at) <= remind_at:
            due.append((signup, pool, meal, canteen, kind, moment))
    positions = waitlist_positions([signup for signup, *_ in due])
    return [
        Due(
            signup.id,
            signup.user_id,
            meal.id,
            kind,
            _payload(signup, meal, canteen, kind, moment, positions.get(signup.id)),
        )
        for signup, pool, meal, canteen, kind, moment in due
    ]


def _payload(
    signup: Signup,
    meal: Meal,
    canteen: Canteen,
    kind: str,
    moment: datetime,
    position: int | None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "meal_id": meal.id,
        "meal_title": meal.title,
        "starts_at": iso(meal.starts_at),
        "signup_id": signup.id,
        "local_time": local_time(moment, canteen.timezone),
    }
    if kind == "kitchen":
        payload["kitchen_starts_at"] = iso(moment)
    if kind == "waitlist":
        payload["waitlist_position"] = position or 1
    return payload


def _still(item: Due) -> bool:
    """The signup is as it was read (not cancelled, promoted or sent to the waitlist since)."""
    status = db.session.execute(
        select(Signup.status).where(Signup.id == item.signup_id)
    ).scalar_one_or_none()
    wanted = SignupStatus.WAITLISTED if item.kind == "waitlist" else SignupStatus.CONFIRMED
    return status == wanted


def send_due(now: datetime) -> int:
    """Send every reminder due at `now`, each once (a periodic job); returns how many."""
    due = due_reminders(now)
    off = {
        kind: turned_off([d.user_id for d in due if d.kind == kind], switch)
        for kind, (_type, switch) in KINDS.items()
    }
    db.session.commit()  # end the reading transaction: each reminder gets its own
    sent = 0
    for item in due:
        if item.user_id in off[item.kind]:
            continue
        claimed = claim_once(
            db.session,
            MealReminder.__table__,
            signup_id=item.signup_id,
            kind=item.kind,
            meal_id=item.meal_id,
            user_id=item.user_id,
            sent_at=now,
        )
        if claimed and _still(item):
            notify(item.user_id, KINDS[item.kind][0], item.payload)
            db.session.commit()
            sent += 1
        else:
            db.session.rollback()  # sent already, or the signup changed since it was read
    if sent:
        log.info("sent %d meal reminders", sent)
    return sent
