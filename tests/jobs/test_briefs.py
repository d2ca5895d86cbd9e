"""The host's morning brief and the free-seats digest, sent by a real consumer as the clock
moves through a day in Lyon."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.meals.models import SeatPool
from tests.jobs.conftest import run_job
from tests.jobs.support import book, meal_at, notifications, set_canteen

pytestmark = pytest.mark.commits

LYON = ZoneInfo("Europe/Paris")


def _a_day_ahead(days: int = 3):
    """A date some days ahead, and a moment on it in Lyon."""
    day = (utcnow() + timedelta(days=days)).astimezone(LYON).date()

    def at(hour: int, minute: int = 0, plus_days: int = 0) -> datetime:
        local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=LYON)
        return (local + timedelta(days=plus_days)).astimezone(UTC)

    return day, at


def test_the_hosts_get_the_days_numbers_at_the_canteens_brief_time(
    job_app, consumers, api, auth, kitchen
):
    _day, at = _a_day_ahead()
    canteen = kitchen.canteen()
    co_host = auth.member(canteen.neighbourhood, role="host")
    assert (
        api.post(
            f"/canteens/{canteen.id}/hosts/{co_host.id}", as_=canteen.neighbourhood.moderator
        ).status_code
        == 201
    )
    quiet_host = auth.member(canteen.neighbourhood, role="host")
    assert (
        api.post(
            f"/canteens/{canteen.id}/hosts/{quiet_host.id}", as_=canteen.neighbourhood.moderator
        ).status_code
        == 201
    )
    api.patch("/me/notification-settings", json={"morning_brief": False}, as_=quiet_host)
    lunch = meal_at(kitchen, at(12, 30), canteen=canteen, pools={"table": 3, "kitchen": 2})
    tomorrow = meal_at(kitchen, at(12, 30, plus_days=1), canteen=canteen)
    vegan = auth.member(canteen.neighbourhood, diets=["vegan"], allergens=["nuts", "milk"])
    veggie = auth.member(
        canteen.neighbourhood, name="Zoé Secret", diets=["vegetarian"], allergens=["nuts"]
    )
    cook = auth.member(canteen.neighbourhood, diets=["vegan"])
    waiting = auth.member(canteen.neighbourhood)
    book(api, lunch.id, vegan, party_size=2)
    book(api, lunch.id, veggie)
    book(api, lunch.id, cook, pool="kitchen")
    assert book(api, lunch.id, waiting)["status"] == "waitlisted"
    book(api, tomorrow.id, waiting)
    consumers()

    job_app.clock.set(at(7, 59))
    assert run_job(job_app, "meals.morning_briefs") == 0
    job_app.clock.set(at(8, 0))
    assert run_job(job_app, "meals.morning_briefs") == 2, "two hosts; the third said no"
    job_app.clock.set(at(8, 1))
    assert run_job(job_app, "meals.morning_briefs") == 0, "once per meal and host"
    assert notifications(api, quiet_host) == []

    [brief] = notifications(api, canteen.host)
    assert [n["type"] for n in notifications(api, co_host)] == ["host_brief"]
    assert brief["type"] == "host_brief"
    payload = brief["payload"]
    assert payload["meal_id"] == lunch.id
    assert payload["local_time"] == "12:30"
    assert (payload["people"], payload["guests"]) == (4, 1)
    table, cooking = payload["pools"]
    assert table == {
        "key": "table",
        "label": "Table",
        "capacity": 3,
        "people": 3,
        "guests": 1,
        "signups": 2,
        "waitlist": 1,
        "diets": {"vegan": 1, "vegetarian": 1},
        "allergens": {"milk": 1, "nuts": 2},
    }
    assert (cooking["key"], cooking["people"], cooking["diets"]) == ("kitchen", 1, {"vegan": 1})
    assert "Zoé" not in str(brief), "counted, never named"
    assert brief["text"] == (
        "Today at 12:30, “Soupe et pain partagé”: 4 people booked, 1 of them guests."
    )

    # Tomorrow's meal is briefed tomorrow, at the time its canteen now says.
    set_canteen(canteen.id, brief_at="07:15")
    job_app.clock.set(at(7, 14, plus_days=1))
    assert run_job(job_app, "meals.morning_briefs") == 0
    job_app.clock.set(at(7, 15, plus_days=1))
    assert run_job(job_app, "meals.morning_briefs") == 2


def test_the_digest_tells_who_asked_of_tonights_and_tomorrows_free_seats(
    job_app, consumers, api, auth, kitchen
):
    day, at = _a_day_ahead()
    canteen = kitchen.canteen()
    neighbourhood = canteen.neighbourhood
    tonight = meal_at(kitchen, at(21, 0), canteen=canteen, title="Soupe du soir")
    full = meal_at(kitchen, at(12, 30, plus_days=1), canteen=canteen, title="Complet")
    tomorrow = meal_at(kitchen, at(19, 0, plus_days=1), canteen=canteen, title="Couscous")
    meal_at(kitchen, at(12, 0, plus_days=2), canteen=canteen, title="After tomorrow")
    # The table is full; the kitchen still takes volunteers: not a free seat (probe 5).
    for pool in db.session.query(SeatPool).filter_by(meal_id=full.id, key="table"):
        pool.taken = pool.capacity
    db.session.commit()
    curious, indifferent = auth.member(neighbourhood), auth.member(neighbourhood)
    response = api.patch("/me/notification-settings", json={"free_seats_digest": True}, as_=curious)
    assert response.get_json()["free_seats_digest"] is True
    consumers()

    job_app.clock.set(at(19, 59))
    assert run_job(job_app, "meals.free_seats_digest") == 0
    job_app.clock.set(at(20, 0))
    assert run_job(job_app, "meals.free_seats_digest") == 1
    job_app.clock.set(at(21, 0))
    assert run_job(job_app, "meals.free_seats_digest") == 0, "once per person per day"
    assert notifications(api, indifferent) == []

    [digest] = notifications(api, curious)
    assert digest["type"] == "free_seats_digest"
    assert digest["payload"]["day"] == day.isoformat()
    assert [m["meal_id"] for m in digest["payload"]["meals"]] == [tonight.id, tomorrow.id]
    first = digest["payload"]["meals"][0]
    assert first["local_time"] == "21:00"
    assert first["seats_left"] == 10  # the table's, not the kitchen's 2
    assert first["canteen_name"] == "La Cantine du Plateau"
    assert digest["text"] == (
        "Seats are still free tonight and tomorrow at: “Soupe du soir”, “Couscous”."
    )
    french = api.get("/notifications", as_=curious, headers={"Accept-Language": "fr"})
    assert french.get_json()["items"][0]["text"] == (
        "Il reste des places ce soir et demain à : « Soupe du soir », « Couscous »."
    )

    # The next evening: a new day, a new digest (tonight's meal is past).
    job_app.clock.set(at(20, 0, plus_days=1))
    assert run_job(job_app, "meals.free_seats_digest") == 1
    latest = notifications(api, curious)[0]
    assert [m["meal_title"] for m in latest["payload"]["meals"]] == ["After tomorrow"]
