"""Reminders before a meal, sent by a real consumer as the clock moves: each kind at its
moment, once per signup however many consumers run, in the canteen's local time."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from neighbours import jobs
from neighbours.database import utcnow
from neighbours.meals.sent import MealReminder
from neighbours.notifications.models import Notification
from tests.jobs.conftest import build_job_app, eventually, run_job
from tests.jobs.support import at_minute, book, meal_at, notifications
from tests.support.sockets import Sockets

pytestmark = pytest.mark.commits


def _types(api, who):
    return [n["type"] for n in notifications(api, who)]


def test_each_kind_of_reminder_is_sent_once_at_its_moment(job_app, consumers, api, auth, kitchen):
    canteen = kitchen.canteen()
    starts = at_minute(utcnow() + timedelta(days=2))
    meal = meal_at(kitchen, starts, canteen=canteen, pools={"table": 2, "kitchen": 1})
    diner, cook, waiting = (auth.member(canteen.neighbourhood) for _ in range(3))
    book(api, meal.id, diner, party_size=2)
    book(api, meal.id, cook, pool="kitchen")
    assert book(api, meal.id, waiting)["status"] == "waitlisted"
    consumers()

    # Cooking starts two hours before the meal: its volunteer is reminded 3 hours before that.
    job_app.clock.set(starts - timedelta(hours=5, minutes=1))
    assert run_job(job_app, "meals.reminders") == 0
    job_app.clock.set(starts - timedelta(hours=5))
    assert run_job(job_app, "meals.reminders") == 1
    assert _types(api, cook) == ["kitchen_reminder"]

    job_app.clock.set(starts - timedelta(hours=3, minutes=1))
    assert run_job(job_app, "meals.reminders") == 0
    job_app.clock.set(starts - timedelta(hours=3))
    assert run_job(job_app, "meals.reminders") == 2
    job_app.clock.move(timedelta(minutes=1))
    assert run_job(job_app, "meals.reminders") == 0, "each is sent once"

    paris = ZoneInfo("Europe/Paris")
    [reminder] = notifications(api, diner)
    assert reminder["type"] == "meal_reminder"
    assert reminder["payload"]["meal_id"] == meal.id
    assert reminder["payload"]["local_time"] == starts.astimezone(paris).strftime("%H:%M")
    assert reminder["text"] == (
        f"Reminder: “Soupe et pain partagé” starts at {reminder['payload']['local_time']}."
    )
    [cooking] = notifications(api, cook)
    kitchen_at = starts - timedelta(hours=2)
    assert cooking["payload"]["local_time"] == kitchen_at.astimezone(paris).strftime("%H:%M")
    assert cooking["payload"]["kitchen_starts_at"] == kitchen_at.isoformat().replace("+00:00", "Z")
    [still] = notifications(api, waiting)
    assert still["type"] == "waitlist_reminder"
    assert still["payload"]["waitlist_position"] == 1
    assert "you are still number 1 on the waitlist" in still["text"]
    # And in French for a French reader.
    french = api.get("/notifications", as_=diner, headers={"Accept-Language": "fr"})
    assert french.get_json()["items"][0]["text"].startswith("Rappel : « Soupe et pain partagé »")


def test_two_consumers_send_one_reminder_per_signup(job_app, consumers, api, auth, kitchen, db):
    canteen = kitchen.canteen()
    starts = at_minute(utcnow() + timedelta(days=1))
    meal = meal_at(kitchen, starts, canteen=canteen, pools={"table": 10, "kitchen": 2})
    diners = [auth.member(canteen.neighbourhood) for _ in range(8)]
    for diner in diners:
        book(api, meal.id, diner)
    consumers(workers=2)
    consumers(workers=2)
    job_app.clock.set(starts - timedelta(hours=2))

    # Six runs at once on four workers of two consumers, all due at the same moment.
    results = [jobs.enqueue("meals.reminders", app=job_app) for _ in range(6)]
    with ThreadPoolExecutor(6) as pool:
        sent = list(pool.map(lambda r: r.get(blocking=True, timeout=60), results))

    assert sum(sent) == 8, sent
    counts = dict(
        db.session.execute(
            select(Notification.user_id, func.count())
            .where(Notification.type == "meal_reminder")
            .group_by(Notification.user_id)
        ).all()
    )
    assert counts == {diner.id: 1 for diner in diners}
    rows = db.session.execute(select(func.count()).select_from(MealReminder)).scalar()
    assert rows == 8


def _day_after_the_last_sunday_of_october() -> date:
    """The next such Monday still ahead: Lyon has just left summer time."""
    year = utcnow().year
    while True:
        last_sunday = max(
            date(year, 10, day) for day in range(25, 32) if date(year, 10, day).weekday() == 6
        )
        monday = last_sunday + timedelta(days=1)
        if datetime.combine(monday, datetime.min.time(), tzinfo=UTC) > utcnow() + timedelta(days=1):
            return monday
        year += 1


def test_a_lyon_lunch_the_day_after_summer_time_ends_is_reminded_three_hours_before(
    job_app, consumers, api, auth, kitchen
):
    lyon = ZoneInfo("Europe/Paris")
    monday = _day_after_the_last_sunday_of_october()
    starts = datetime(monday.year, monday.month, monday.day, 12, 30, tzinfo=lyon)
    assert starts.utcoffset() == timedelta(hours=1), "winter time: 12:30 in Lyon is 11:30 UTC"
    canteen = kitchen.canteen()
    meal = meal_at(kitchen, starts.astimezone(UTC), canteen=canteen)
    diner = auth.member(canteen.neighbourhood)
    book(api, meal.id, diner)
    consumers()

    # 9:30 in Lyon, the same day: 08:30 UTC (not 07:30, as summer time would have it).
    job_app.clock.set(datetime(monday.year, monday.month, monday.day, 8, 29, tzinfo=UTC))
    assert run_job(job_app, "meals.reminders") == 0
    job_app.clock.set(datetime(monday.year, monday.month, monday.day, 8, 30, tzinfo=UTC))
    assert run_job(job_app, "meals.reminders") == 1
    [reminder] = notifications(api, diner)
    assert reminder["payload"]["local_time"] == "12:30"
    assert reminder["payload"]["starts_at"] == f"{monday.isoformat()}T11:30:00Z"


def test_each_canteen_says_how_long_before(job_app, consumers, api, auth, kitchen):
    canteen = kitchen.canteen()
    response = api.patch(f"/canteens/{canteen.id}", json={"reminder_minutes": 60}, as_=canteen.host)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["reminder_minutes"] == 60
    starts = at_minute(utcnow() + timedelta(days=1))
    meal = meal_at(kitchen, starts, canteen=canteen)
    diner = auth.member(canteen.neighbourhood)
    book(api, meal.id, diner)
    consumers()

    job_app.clock.set(starts - timedelta(hours=3))
    assert run_job(job_app, "meals.reminders") == 0
    job_app.clock.set(starts - timedelta(minutes=60))
    assert run_job(job_app, "meals.reminders") == 1


def test_no_reminder_when_turned_off_booked_late_cancelled_or_past(
    job_app, consumers, api, auth, kitchen
):
    canteen = kitchen.canteen()
    soon = at_minute(utcnow() + timedelta(hours=2))  # its reminder time is already past
    late_meal = meal_at(kitchen, soon, canteen=canteen)
    later = at_minute(utcnow() + timedelta(days=1))
    meal = meal_at(kitchen, later, canteen=canteen)
    cancelled = meal_at(kitchen, later, canteen=canteen, title="Cancelled")
    quiet, late, left, diner, cancelled_diner = (
        auth.member(canteen.neighbourhood) for _ in range(5)
    )
    response = api.patch(
        "/me/notification-settings", json={"reminders": {"diner": False}}, as_=quiet
    )
    assert response.status_code == 200
    book(api, meal.id, quiet)
    book(api, late_meal.id, late)
    book(api, meal.id, left)
    assert api.delete(f"/meals/{meal.id}/signups/me", as_=left).status_code == 204
    book(api, meal.id, diner)
    book(api, cancelled.id, cancelled_diner)
    cancel = api.post(f"/meals/{cancelled.id}/cancel", json={"reason": "No cook"}, as_=canteen.host)
    assert cancel.status_code == 200, cancel.get_json()
    consumers()

    job_app.clock.set(utcnow())
    assert run_job(job_app, "meals.reminders") == 0, "booked after its reminder's moment"
    job_app.clock.set(later - timedelta(hours=3))
    assert run_job(job_app, "meals.reminders") == 1
    assert _types(api, diner) == ["meal_reminder"]
    for person in (quiet, late, left):
        assert "meal_reminder" not in _types(api, person)
    assert _types(api, cancelled_diner) == ["meal_cancelled"]
    job_app.clock.set(later + timedelta(minutes=1))
    assert run_job(job_app, "meals.reminders") == 0, "the meal has started"


def test_a_reminder_is_pushed_live_like_any_notification(
    make_app, tmp_path, consumers, api, auth, kitchen
):
    # Socket.IO's test client refuses a message queue: this app's queue is SQLite's.
    job_app = build_job_app(make_app, tmp_path, "sqlite")
    canteen = kitchen.canteen()
    starts = at_minute(utcnow() + timedelta(days=1))
    meal = meal_at(kitchen, starts, canteen=canteen)
    diner = auth.member(canteen.neighbourhood)
    book(api, meal.id, diner)
    sockets = Sockets(job_app)
    try:
        phone = sockets.connected(diner)
        consumers(job_app)
        job_app.clock.set(starts - timedelta(hours=3))
        assert run_job(job_app, "meals.reminders") == 1
        pushed = eventually(
            lambda: [
                e["args"][0] for e in phone.get_received() if e["name"] == "notification:created"
            ],
            what="notification:created",
        )
        assert pushed[0]["type"] == "meal_reminder"
        assert pushed[0]["id"] == notifications(api, diner)[0]["id"]
    finally:
        sockets.close_all()
