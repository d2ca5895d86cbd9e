"""Meal series: what a series can't be (422 naming the field, never a 500), and local times
that stay local across daylight-saving changes."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from neighbours.meals.recurrence import exists, instant
from neighbours.meals.series import extend_series
from tests.meals.series_support import (
    EVERY_DAY,
    body,
    create,
    last_sunday_of_march,
    last_sunday_of_october,
    local,
    meals_of,
    noon_utc,
    today,
)
from tests.support.refusals import FRENCH, in_french, refused


def _post(api, canteen, **changes):
    return api.post(f"/canteens/{canteen.id}/series", json=body(**changes), as_=canteen.host)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY",
        "FREQ=MONTHLY;BYMONTHDAY=1",
        "FREQ=WEEKLY;BYDAY=1MO",
        "FREQ=WEEKLY;BYDAY=MO,XX",
        "FREQ=WEEKLY;BYDAY=MO,MO",
        "FREQ=WEEKLY;COUNT=3",
        "FREQ=WEEKLY;UNTIL=20301231T000000Z",
        "FREQ=WEEKLY;INTERVAL=0",
        "FREQ=WEEKLY;INTERVAL=53",
        "FREQ=WEEKLY;INTERVAL=two",
        "FREQ=WEEKLY;FREQ=WEEKLY",
        "FREQ=WEEKLY;BYSETPOS=1",
        "BYDAY=MO",
        "every monday",
        "DTSTART:20300101T000000\nRRULE:FREQ=WEEKLY",
    ],
)
def test_a_rule_a_series_cant_follow_is_422(api, kitchen, rule):
    refused(_post(api, kitchen.canteen(), rrule=rule), 422, "invalid_input",
            field="rrule", field_reason="unsupported_rrule")  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "written"),
    [
        ("rrule:freq=weekly;byday=fr,mo", "FREQ=WEEKLY;BYDAY=MO,FR"),
        ("FREQ=WEEKLY;INTERVAL=1;BYDAY=SU", "FREQ=WEEKLY;BYDAY=SU"),
        ("FREQ=WEEKLY;INTERVAL=3", "FREQ=WEEKLY;INTERVAL=3"),
    ],
)
def test_a_rule_is_kept_in_one_written_form(api, kitchen, rule, written):
    r = _post(api, kitchen.canteen(), rrule=rule)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["rrule"] == written


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"until": "2031-01-01", "count": 3}, "count", "until_or_count"),
        ({"until": today().isoformat()}, "until", "until_before_start"),
        ({"until": (today() + timedelta(days=400)).isoformat()}, "until", "too_many_meals"),
        ({"count": 201}, "count", "out_of_bounds"),
        ({"count": 0}, "count", "out_of_bounds"),
        ({"starts_on": (today() - timedelta(days=1)).isoformat()}, "starts_on", "meal_in_past"),
        ({"starts_on": "tomorrow"}, "starts_on", "bad_date"),
        # Found by the outside probe: a bare out_of_range naming nothing (a date overflowed).
        ({"starts_on": "9998-06-01"}, "starts_on", None),
        ({"until": "9999-12-31"}, "until", None),
        ({"title": "Sou\x00pe"}, "title", "not_text"),
        ({"start_time": "25:00"}, "start_time", "bad_format"),
        ({"start_time": "12h30"}, "start_time", "bad_format"),
        ({"start_time": "12:30:00"}, "start_time", "bad_format"),
        ({"start_time": 1230}, "start_time", "invalid"),
        ({"duration_minutes": 0}, "duration_minutes", "out_of_bounds"),
        ({"duration_minutes": 24 * 60 + 1}, "duration_minutes", "out_of_bounds"),
        ({"signup_closes_before_minutes": -1}, "signup_closes_before_minutes", "out_of_bounds"),
        ({"title": ""}, "title", "bad_length"),
        ({"title": ...}, "title", "required"),
        ({"rrule": ...}, "rrule", "required"),
        ({"allergens": ["chocolate"]}, "allergens", None),
        ({"pools": []}, "pools", "bad_length"),
        ({"pools": [{"key": "Table", "capacity": 2}]}, "pools", None),
        ({"pools": [{"key": "table", "capacity": 2, "start_time": "9h"}]}, "pools", None),
        ({"publish": "maybe"}, "publish", "invalid"),
        ({"colour": "blue"}, "colour", "unknown_field"),
    ],
)
def test_bad_input_is_422_naming_the_field(api, kitchen, changes, field, reason):
    r = _post(api, kitchen.canteen(), **changes)
    assert r.status_code == 422, r.get_json()
    body_ = r.get_json()
    assert field in body_["errors"]["json"], body_
    if reason is not None:
        assert body_["field_reasons"]["json"][field] == [reason], body_


def test_more_meals_ahead_than_a_series_may_hold_is_422(app, api, kitchen):
    app.config["SERIES_WEEKS_AHEAD"] = 30  # 210 days: an open-ended daily series holds too many
    refused(_post(api, kitchen.canteen(), rrule=EVERY_DAY), 422, "invalid_input",
            field="rrule", field_reason="too_many_meals")  # fmt: skip


def test_a_local_time_the_clocks_skip_is_422(api, kitchen):
    r = _post(api, kitchen.canteen(), rrule="FREQ=WEEKLY;BYDAY=SU", start_time="02:30")
    refused(r, 422, "invalid_input", field="start_time", field_reason="nonexistent_local_time")


def test_a_pool_time_the_clocks_skip_is_422_and_the_message_names_the_date(api, kitchen):
    canteen = kitchen.canteen()
    spring = last_sunday_of_march(today())
    kitchen_ = {"key": "kitchen", "capacity": 2, "start_time": "02:15"}
    pools = [{"key": "table", "capacity": 8}, kitchen_]
    r = api.post(
        f"/canteens/{canteen.id}/series",
        json=body(rrule="FREQ=WEEKLY;BYDAY=SU", start_time="11:00", pools=pools),
        headers={**canteen.host.headers, **FRENCH},
    )
    refused(r, 422, "invalid_input", field="pools", field_reason="nonexistent_local_time")
    message = r.get_json()["errors"]["json"]["pools"][0]
    assert message == in_french(
        "%(time)s does not exist in %(zone)s on %(date)s: the clocks go forward then. Choose "
        "another time.",
        time="02:15",
        zone="Europe/Paris",
        date=spring.isoformat(),
    )


def test_a_series_that_ends_before_the_spring_gap_may_use_that_hour(api, kitchen):
    spring = last_sunday_of_march(today())
    if spring - today() < timedelta(days=3):
        pytest.skip("too close to the change")
    r = _post(api, kitchen.canteen(), rrule="FREQ=WEEKLY;BYDAY=SU", start_time="02:30",
              until=(spring - timedelta(days=1)).isoformat())  # fmt: skip
    assert r.status_code == 201, r.get_json()


def test_editing_into_the_gap_is_422_and_changes_nothing(api, kitchen):
    canteen = kitchen.canteen()
    series = create(api, canteen, rrule="FREQ=WEEKLY;BYDAY=SU", start_time="11:00")
    before = [m.starts_at for m in meals_of(series["id"])]
    r = api.patch(f"/series/{series['id']}", json={"start_time": "02:30"}, as_=canteen.host)
    refused(r, 422, "invalid_input", field="start_time", field_reason="nonexistent_local_time")
    assert [m.starts_at for m in meals_of(series["id"])] == before


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"rrule": "FREQ=DAILY"}, "rrule", "unsupported_rrule"),
        ({"until": "2020-01-01"}, "until", "until_before_start"),
        ({"until": "2031-01-01", "count": 2}, "count", "until_or_count"),
        ({"start_time": "noon"}, "start_time", "bad_format"),
        ({"pools": [{"key": "table", "capacity": -1}]}, "pools", None),
        ({"starts_on": "2031-01-01"}, "starts_on", "unknown_field"),
    ],
)
def test_bad_edits_are_422_naming_the_field(api, kitchen, changes, field, reason):
    canteen = kitchen.canteen()
    series = create(api, canteen, count=2)
    r = api.patch(f"/series/{series['id']}", json=changes, as_=canteen.host)
    assert r.status_code == 422, r.get_json()
    assert field in r.get_json()["errors"]["json"]
    if reason:
        assert r.get_json()["field_reasons"]["json"][field] == [reason]


def test_a_series_edit_without_a_body_is_400(api, kitchen):
    canteen = kitchen.canteen()
    series = create(api, canteen, count=1)
    r = api.patch(f"/series/{series['id']}", as_=canteen.host)
    assert r.status_code == 400, r.get_json()


# --- daylight saving: 12:30 in Lyon stays 12:30 -------------------------------------------


def test_1230_in_lyon_stays_1230_after_the_last_sunday_of_october(api, kitchen):
    canteen = kitchen.canteen()  # Europe/Paris, as Lyon
    change = last_sunday_of_october(today() + timedelta(days=7))
    monday_before = change - timedelta(days=6)
    series = create(api, canteen, rrule="FREQ=WEEKLY;BYDAY=MO", start_time="12:30",
                    starts_on=monday_before.isoformat(), count=2)  # fmt: skip
    extend_series(noon_utc(monday_before - timedelta(days=3)))

    before, after = meals_of(series["id"])

    assert (before.occurrence_date, after.occurrence_date) == (monday_before, change + timedelta(1))
    assert local(before.starts_at).time() == local(after.starts_at).time() == time(12, 30)
    # The instant moved: 10:30 UTC in summer time, 11:30 UTC in winter time.
    assert (before.starts_at.hour, after.starts_at.hour) == (10, 11)
    assert local(before.pools[1].starts_at).time() == local(after.pools[1].starts_at).time()
    # And in a calendar: the same wall-clock time, in the canteen's zone.
    host = canteen.host
    for meal in (before, after):
        ics = api.get(f"/meals/{meal.id}.ics", as_=host).get_data()
        (event,) = Calendar.from_ical(ics).walk("VEVENT")
        assert event["DTSTART"].params["TZID"] == "Europe/Paris"
        assert event.decoded("DTSTART").time() == time(12, 30)


def test_a_time_that_happens_twice_is_the_first_of_the_two(api, kitchen):
    canteen = kitchen.canteen()
    change = last_sunday_of_october(today() + timedelta(days=7))
    series = create(api, canteen, rrule="FREQ=WEEKLY;BYDAY=SU", start_time="02:30",
                    starts_on=change.isoformat(), count=1)  # fmt: skip
    extend_series(noon_utc(change - timedelta(days=3)))
    (meal,) = meals_of(series["id"])
    assert meal.starts_at.hour == 0 and meal.starts_at.minute == 30  # 02:30 CEST is 00:30 UTC
    assert local(meal.starts_at).time() == time(2, 30)


def test_a_gap_met_past_what_was_checked_is_read_with_the_offset_before_it():
    """RFC 5545: a local time in the spring gap is read with the offset from before it."""
    paris = ZoneInfo("Europe/Paris")
    spring = date(2030, 3, 31)
    assert not exists(spring, time(2, 30), paris)
    assert exists(spring, time(3, 30), paris)
    assert local(instant(spring, time(2, 30), paris)).time() == time(3, 30)


def test_a_canteen_runs_at_most_seven_series_at_once(api, kitchen):
    """Found by the outside probe: ten series of every day made 270 meals in seconds."""
    canteen = kitchen.canteen()
    made = [_post(api, canteen, count=1) for _ in range(7)]
    assert all(r.status_code == 201 for r in made), [r.get_json() for r in made]
    r = _post(api, canteen, count=1)
    assert r.status_code == 409, r.get_json()
    assert r.get_json()["reason"] == "too_many_series"
    ended = made[0].get_json()["id"]
    assert api.delete(f"/series/{ended}", as_=canteen.host).status_code == 204
    assert _post(api, canteen, count=1).status_code == 201  # an ended one makes room
