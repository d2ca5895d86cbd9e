"""Meal series: a canteen's rhythm set once, its meals generated ahead and kept coming, edited
for one meal or from a date on, a date skipped, the series ended."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.meals.models import Meal, MealStatus
from neighbours.meals.series import extend_series
from tests.meals.api import fresh, notifications, signed_up
from tests.meals.series_support import (
    WEEKDAYS,
    create,
    local,
    meals_of,
    noon_utc,
    today,
)
from tests.support.sockets import received

# --- created: the weeks ahead appear at once ----------------------------------------------


def test_every_weekday_at_1230_appears_for_the_next_four_weeks(api, auth, kitchen):
    canteen = kitchen.canteen(capacity=12)
    series = create(api, canteen, rrule=WEEKDAYS, start_time="12:30")

    first = today() + timedelta(days=1)
    window = [first + timedelta(days=i) for i in range(27)]  # to today + 27: four weeks
    weekdays = [d for d in window if d.weekday() < 5]
    meals = meals_of(series["id"])
    assert [m.occurrence_date for m in meals] == weekdays
    for meal in meals:
        assert (local(meal.starts_at).date(), local(meal.starts_at).time()) == (
            meal.occurrence_date,
            time(12, 30),
        )
        assert meal.ends_at - meal.starts_at == timedelta(minutes=90)
        assert meal.status == MealStatus.PUBLISHED
        pools = {p.key: p for p in meal.pools}
        assert pools["table"].capacity == 12
        # The kitchen starts two hours earlier, at 10:30 local, by default.
        assert local(pools["kitchen"].starts_at).time() == time(10, 30)
    assert [m["id"] for m in series["upcoming"]] == [m.id for m in meals]
    assert series["status"] == "active"
    assert series["timezone"] == "Europe/Paris"
    assert series["pools"][1] == {
        "key": "kitchen",
        "label": "Cooking in the kitchen",
        "capacity": 2,
        "start_time": "10:30",
    }

    # Members see them like any meal, and sign up for one meal, never for the series.
    member = auth.member(canteen.neighbourhood)
    listed = api.get(f"/neighbourhoods/{canteen.neighbourhood.id}/meals?limit=100", as_=member)
    assert {m["id"] for m in listed.get_json()["items"]} == {m.id for m in meals}
    signed_up(api.client, meals[0], member)
    assert api.get(f"/meals/{meals[1].id}/signups/me", as_=member).status_code == 404


def test_a_series_of_drafts_is_seen_by_its_hosts_only(api, auth, kitchen):
    canteen = kitchen.canteen()
    series = create(api, canteen, publish=False)
    meals = meals_of(series["id"])
    assert meals and all(m.status == MealStatus.DRAFT for m in meals)
    member = auth.member(canteen.neighbourhood)
    listed = api.get(f"/neighbourhoods/{canteen.neighbourhood.id}/meals", as_=member)
    assert listed.get_json()["items"] == []
    assert api.get(f"/meals/{meals[0].id}", as_=member).status_code == 404
    hosting = api.get("/me/hosting?limit=100", as_=canteen.host).get_json()["items"]
    assert {m["id"] for m in hosting} == {m.id for m in meals}

    # Publishing the series publishes its drafts to come, and what it generates next.
    r = api.patch(f"/series/{series['id']}", json={"publish": True}, as_=canteen.host)
    assert r.status_code == 200, r.get_json()
    assert {m.status for m in meals_of(series["id"])} == {MealStatus.PUBLISHED}


def test_new_published_meals_reach_the_neighbourhood_live(api, auth, kitchen, sockets):
    canteen = kitchen.canteen()
    watcher = sockets.connected(auth.member(canteen.neighbourhood))
    create(api, canteen, count=3)
    updates = received(watcher, "meal:availability")
    assert len({u["meal_id"] for u in updates}) == 3
    assert {u["status"] for u in updates} == {"published"}


def test_new_drafts_are_not_pushed_to_members(api, auth, kitchen, sockets):
    canteen = kitchen.canteen()
    watcher = sockets.connected(auth.member(canteen.neighbourhood))
    create(api, canteen, count=3, publish=False)
    assert received(watcher, "meal:availability") == []


# --- kept coming: extend_series --------------------------------------------------------------


def test_meals_keep_appearing_as_time_passes_and_running_twice_adds_nothing(api, kitchen):
    canteen = kitchen.canteen()
    series = create(api, canteen)
    assert len(meals_of(series["id"])) == 27

    assert extend_series() == 0  # nothing new today
    a_week_later = noon_utc(today() + timedelta(days=7))
    assert extend_series(a_week_later) == 7
    assert extend_series(a_week_later) == 0
    dates = [m.occurrence_date for m in meals_of(series["id"])]
    assert len(dates) == 34 and len(set(dates)) == 34
    assert dates[-1] == today() + timedelta(days=34)


def test_weeks_ahead_is_configurable(app, api, kitchen):
    app.config["SERIES_WEEKS_AHEAD"] = 2
    series = create(api, kitchen.canteen())
    assert len(meals_of(series["id"])) == 13  # tomorrow to today + 13


def test_a_series_ends_after_its_count_or_on_its_last_day(api, kitchen):
    canteen = kitchen.canteen()
    counted = create(api, canteen, count=3)
    last_day = today() + timedelta(days=5)
    dated = create(api, canteen, until=last_day.isoformat())
    assert len(meals_of(counted["id"])) == 3
    assert meals_of(dated["id"])[-1].occurrence_date == last_day
    assert extend_series(noon_utc(today() + timedelta(days=2))) == 0
    assert len(meals_of(counted["id"])) == 3
    assert len(meals_of(dated["id"])) == 5


def test_every_other_week(api, kitchen):
    start = today() + timedelta(days=1)
    series = create(api, kitchen.canteen(), rrule="FREQ=WEEKLY;INTERVAL=2")
    dates = [m.occurrence_date for m in meals_of(series["id"])]
    assert dates == [start, start + timedelta(days=14)]
    assert series["rrule"] == "FREQ=WEEKLY;INTERVAL=2"


def test_an_ended_series_generates_nothing_more(api, kitchen):
    canteen = kitchen.canteen()
    series = create(api, canteen, publish=False)
    assert api.delete(f"/series/{series['id']}", as_=canteen.host).status_code == 204
    assert extend_series(noon_utc(today() + timedelta(days=10))) == 0
    assert meals_of(series["id"]) == []


# --- edits: the series, from a date on, or one meal -----------------------------------------


def table(capacity):
    return {"pools": [{"key": "table", "capacity": capacity}]}


def test_editing_the_series_changes_its_meals_to_come_and_keeps_their_signups(api, auth, kitchen):
    canteen = kitchen.canteen()
    series = create(api, canteen, count=3)
    meals = meals_of(series["id"])
    diner = auth.member(canteen.neighbourhood)
    signup = signed_up(api.client, meals[0], diner)

    r = api.patch(
        f"/series/{series['id']}",
        json={"menu": "Couscous", "start_time": "13:00", "allergens": ["celery"]},
        as_=canteen.host,
    )

    assert r.status_code == 200, r.get_json()
    assert r.get_json()["start_time"] == "13:00"
    for meal in meals_of(series["id"]):
        assert meal.menu == "Couscous" and meal.allergens == ["celery"]
        assert local(meal.starts_at).time() == time(13, 0)
        assert meal.ends_at - meal.starts_at == timedelta(minutes=90)
    mine = api.get(f"/meals/{meals[0].id}/signups/me", as_=diner).get_json()
    assert (mine["id"], mine["status"]) == (signup["id"], "confirmed")


def test_a_smaller_pool_keeps_the_seats_taken_and_never_oversells(api, auth, kitchen):
    canteen = kitchen.canteen()
    series = create(api, canteen, count=2, pools=[{"key": "table", "capacity": 6}])
    first, second = meals_of(series["id"])
    for _ in range(4):
        signed_up(api.client, first, auth.member(canteen.neighbourhood))

    r = api.patch(
        f"/series/{series['id']}",
        json={"pools": [{"key": "table", "capacity": 2}]},
        as_=canteen.host,
    )

    assert r.status_code == 200, r.get_json()
    pools = {m.id: m.pools[0] for m in meals_of(series["id"])}
    assert (pools[first.id].capacity, pools[first.id].taken) == (4, 4)  # nobody was bumped
    assert (pools[second.id].capacity, pools[second.id].taken) == (2, 0)
    assert r.get_json()["pools"][0]["capacity"] == 2


def test_a_bigger_pool_serves_the_waitlist(api, auth, kitchen):
    canteen = kitchen.canteen()
    series = create(api, canteen, count=1, pools=[{"key": "table", "capacity": 1}])
    (meal,) = meals_of(series["id"])
    signed_up(api.client, meal, auth.member(canteen.neighbourhood))
    waiting = auth.member(canteen.neighbourhood)
    assert signed_up(api.client, meal, waiting)["status"] == "waitlisted"

    r = api.patch(
        f"/series/{series['id']}",
        json={"pools": [{"key": "table", "capacity": 2}]},
        as_=canteen.host,
    )

    assert r.status_code == 200, r.get_json()
    assert api.get(f"/meals/{meal.id}/signups/me", as_=waiting).get_json()["status"] == "confirmed"
    assert notifications(api.client, waiting, "waitlist_promoted")


def test_a_new_pool_reaches_every_meal_to_come(api, kitchen):
    canteen = kitchen.canteen()
    series = create(api, canteen, count=2)
    r = api.patch(
        f"/series/{series['id']}",
        json={"pools": [{"key": "dessert", "label": "Desserts", "capacity": 3}]},
        as_=canteen.host,
    )
    assert r.status_code == 200, r.get_json()
    for meal in meals_of(series["id"]):
        assert [p.key for p in meal.pools] == ["table", "kitchen", "dessert"]
    r = api.patch(f"/series/{series['id']}", json={"pools": [{"key": "drinks"}]}, as_=canteen.host)
    body = r.get_json()
    assert r.status_code == 422 and body["field_reasons"]["json"]["pools"] == [
        "pool_capacity_required"
    ]


def test_this_and_the_following_meals(api, kitchen):
    canteen = kitchen.canteen()
    series = create(api, canteen, count=4)
    meals = meals_of(series["id"])
    third = meals[2]
    starts = local(third.starts_at).replace(hour=19, minute=0)

    r = api.patch(
        f"/meals/{third.id}",
        json={
            "scope": "following",
            "title": "Dîner",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=3)).isoformat(),
        },
        as_=canteen.host,
    )

    assert r.status_code == 200, r.get_json()
    assert r.get_json()["title"] == "Dîner"
    after = meals_of(series["id"])
    assert [m.title for m in after] == ["Déjeuner du quartier"] * 2 + ["Dîner"] * 2
    assert [local(m.starts_at).time() for m in after] == [time(12, 30)] * 2 + [time(19, 0)] * 2
    assert [m.ends_at - m.starts_at for m in after[2:]] == [timedelta(hours=3)] * 2
    template = api.get(f"/series/{series['id']}", as_=canteen.host).get_json()
    assert (template["title"], template["start_time"], template["duration_minutes"]) == (
        "Dîner",
        "19:00",
        180,
    )


def test_following_meals_generated_later_follow_the_new_template(api, kitchen):
    canteen = kitchen.canteen()
    series = create(api, canteen)
    meals = meals_of(series["id"])
    r = api.patch(
        f"/meals/{meals[-1].id}", json={"scope": "following", "menu": "Gratin"}, as_=canteen.host
    )
    assert r.status_code == 200, r.get_json()
    extend_series(noon_utc(today() + timedelta(days=3)))
    after = meals_of(series["id"])
    assert [m.menu for m in after[-4:]] == ["Gratin"] * 4
    assert after[0].menu == "Soupe, pain, fromage"


def test_this_meal_only_leaves_the_others(api, kitchen):
    canteen = kitchen.canteen()
    series = create(api, canteen, count=3)
    meals = meals_of(series["id"])
    r = api.patch(f"/meals/{meals[1].id}", json={"menu": "Tajine"}, as_=canteen.host)
    assert r.status_code == 200, r.get_json()
    soup = "Soupe, pain, fromage"
    assert [m.menu for m in meals_of(series["id"])] == [soup, "Tajine", soup]
    assert api.get(f"/series/{series['id']}", as_=canteen.host).get_json()["menu"] == (
        "Soupe, pain, fromage"
    )


def test_following_times_stay_on_the_meals_day(api, kitchen):
    canteen = kitchen.canteen()
    meal = meals_of(create(api, canteen, count=2)["id"])[0]
    moved = meal.starts_at + timedelta(days=1)
    r = api.patch(
        f"/meals/{meal.id}",
        json={"scope": "following", "starts_at": moved.isoformat()},
        as_=canteen.host,
    )
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["field_reasons"]["json"]["starts_at"] == ["series_day_change"]


def test_following_is_for_a_meal_of_a_series(api, kitchen):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen)
    r = api.patch(f"/meals/{meal.id}", json={"scope": "following", "menu": "x"}, as_=canteen.host)
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["field_reasons"]["json"]["scope"] == ["not_in_series"]
    r = api.patch(f"/meals/{meal.id}", json={"scope": "all"}, as_=canteen.host)
    assert r.status_code == 422 and "scope" in r.get_json()["errors"]["json"]


def test_changing_the_days_takes_back_the_meals_on_other_days(api, auth, kitchen):
    canteen = kitchen.canteen()
    series = create(api, canteen)
    meals = meals_of(series["id"])
    off = next(m for m in meals if m.occurrence_date.weekday() != 0)
    diner = auth.member(canteen.neighbourhood)
    signed_up(api.client, off, diner)

    r = api.patch(
        f"/series/{series['id']}", json={"rrule": "FREQ=WEEKLY;BYDAY=MO"}, as_=canteen.host
    )

    assert r.status_code == 200, r.get_json()
    left = [m for m in meals_of(series["id"]) if m.status == MealStatus.PUBLISHED]
    assert left and all(m.occurrence_date.weekday() == 0 for m in left)
    assert fresh(off).status == MealStatus.CANCELLED
    assert notifications(api.client, diner, "meal_cancelled")


def test_an_earlier_end_takes_back_the_meals_past_it(api, kitchen):
    canteen = kitchen.canteen()
    drafts = create(api, canteen, count=4, publish=False)
    r = api.patch(f"/series/{drafts['id']}", json={"count": 2}, as_=canteen.host)
    assert r.status_code == 200, r.get_json()
    assert len(meals_of(drafts["id"])) == 2
    last = meals_of(drafts["id"])[0].occurrence_date
    r = api.patch(f"/series/{drafts['id']}", json={"until": last.isoformat()}, as_=canteen.host)
    assert (r.get_json()["until"], r.get_json()["count"]) == (last.isoformat(), None)
    assert [m.occurrence_date for m in meals_of(drafts["id"])] == [last]


# --- a date skipped ------------------------------------------------------------------------


def test_skipping_a_date_cancels_its_meal_with_notice_and_it_never_comes_back(api, auth, kitchen):
    canteen = kitchen.canteen()
    series = create(api, canteen)
    meal = meals_of(series["id"])[3]
    diner = auth.member(canteen.neighbourhood)
    signed_up(api.client, meal, diner)

    r = api.post(
        f"/series/{series['id']}/skips",
        json={"date": meal.occurrence_date.isoformat(), "reason": "Jour férié"},
        as_=canteen.host,
    )

    assert r.status_code == 201, r.get_json()
    assert r.get_json()["skipped_dates"] == [meal.occurrence_date.isoformat()]
    assert fresh(meal).status == MealStatus.CANCELLED
    (told,) = notifications(api.client, diner, "meal_cancelled")
    assert told["payload"]["reason"] == "Jour férié"
    extend_series(noon_utc(today() + timedelta(days=1)))
    on_that_day = [m for m in meals_of(series["id"]) if m.occurrence_date == meal.occurrence_date]
    assert on_that_day == [fresh(meal)]
    # Again: nothing changes.
    again = api.post(
        f"/series/{series['id']}/skips",
        json={"date": meal.occurrence_date.isoformat()},
        as_=canteen.host,
    )
    assert again.status_code == 201
    assert again.get_json()["skipped_dates"] == [meal.occurrence_date.isoformat()]


def test_a_skipped_draft_is_deleted_and_a_date_ahead_is_never_generated(api, kitchen):
    canteen = kitchen.canteen()
    series = create(api, canteen, publish=False)
    draft = meals_of(series["id"])[0]
    draft_id, draft_day = draft.id, draft.occurrence_date
    ahead = today() + timedelta(days=40)
    for day in (draft_day, ahead):
        r = api.post(
            f"/series/{series['id']}/skips", json={"date": day.isoformat()}, as_=canteen.host
        )
        assert r.status_code == 201, r.get_json()
    assert db.session.get(Meal, draft_id) is None

    extend_series(noon_utc(today() + timedelta(days=20)))

    dates = {m.occurrence_date for m in meals_of(series["id"])}
    assert draft_day not in dates and ahead not in dates
    assert today() + timedelta(days=41) in dates


def test_a_skip_must_be_a_date_of_the_series_today_or_later(api, kitchen):
    canteen = kitchen.canteen()
    series = create(api, canteen, rrule=WEEKDAYS)
    saturday = today() + timedelta(days=(5 - today().weekday()) % 7 or 7)
    cases = [
        (saturday.isoformat(), "not_an_occurrence"),
        ((today() - timedelta(days=1)).isoformat(), "meal_in_past"),
        ("31/12/2030", "bad_date"),
        ("", "bad_date"),
    ]
    for value, reason in cases:
        r = api.post(f"/series/{series['id']}/skips", json={"date": value}, as_=canteen.host)
        assert r.status_code == 422, (value, r.get_json())
        assert r.get_json()["field_reasons"]["json"]["date"] == [reason], value
    r = api.post(f"/series/{series['id']}/skips", json={}, as_=canteen.host)
    assert r.get_json()["field_reasons"]["json"]["date"] == ["required"]


# --- ended -----------------------------------------------------------------------------------


def test_ending_a_series(api, auth, kitchen):
    canteen = kitchen.canteen()
    series = create(api, canteen, count=4)
    started, booked, empty, last = meals_of(series["id"])
    started_at = utcnow() - timedelta(minutes=10)
    db.session.get(Meal, started.id).starts_at = started_at
    db.session.commit()
    diner = auth.member(canteen.neighbourhood)
    signed_up(api.client, booked, diner)

    r = api.delete(f"/series/{series['id']}", json={"reason": "Travaux"}, as_=canteen.host)

    assert r.status_code == 204, r.get_json()
    assert fresh(started).status == MealStatus.PUBLISHED  # under way: it goes on
    assert {fresh(m).status for m in (booked, empty, last)} == {MealStatus.CANCELLED}
    (told,) = notifications(api.client, diner, "meal_cancelled")
    assert told["payload"]["reason"] == "Travaux"
    view = api.get(f"/series/{series['id']}", as_=canteen.host).get_json()
    assert view["status"] == "ended" and view["ended_at"]
    # Ended is ended: no edit, no skip; ending again changes nothing.
    r = api.patch(f"/series/{series['id']}", json={"menu": "x"}, as_=canteen.host)
    assert r.status_code == 409 and r.get_json()["reason"] == "series_ended"
    day = last.occurrence_date.isoformat()
    r = api.post(f"/series/{series['id']}/skips", json={"date": day}, as_=canteen.host)
    assert r.status_code == 409 and r.get_json()["reason"] == "series_ended"
    r = api.patch(f"/meals/{booked.id}", json={"scope": "following", "menu": "x"}, as_=canteen.host)
    assert r.status_code == 409
    assert api.delete(f"/series/{series['id']}", as_=canteen.host).status_code == 204


def test_ending_a_series_of_drafts_deletes_them(api, kitchen):
    canteen = kitchen.canteen()
    series = create(api, canteen, count=2, publish=False)
    assert api.delete(f"/series/{series['id']}", as_=canteen.host).status_code == 204
    assert meals_of(series["id"]) == []


# --- listing ---------------------------------------------------------------------------------


def test_hosts_list_their_canteens_series(api, kitchen):
    canteen = kitchen.canteen()
    ids = [create(api, canteen, count=1)["id"] for _ in range(3)]
    other = create(api, kitchen.canteen(canteen.neighbourhood), count=1)
    r = api.get(f"/canteens/{canteen.id}/series?limit=2", as_=canteen.host)
    assert r.status_code == 200, r.get_json()
    page = r.get_json()
    rest = api.get(
        f"/canteens/{canteen.id}/series?after={page['next_cursor']}", as_=canteen.host
    ).get_json()
    assert [s["id"] for s in page["items"] + rest["items"]] == ids
    assert other["id"] not in ids
    r = api.get(f"/canteens/{canteen.id}/series?after=forged", as_=canteen.host)
    assert r.status_code == 422 and "after" in r.get_json()["errors"]["query"]


# --- who may -------------------------------------------------------------------------------


@pytest.fixture
def a_series(api, kitchen):
    canteen = kitchen.canteen()
    series = create(api, canteen, count=2)
    series["canteen"] = canteen
    series["day"] = meals_of(series["id"])[1].occurrence_date.isoformat()
    return series


def _calls(series):
    sid, cid = series["id"], series["canteen"].id
    return [
        ("post", f"/canteens/{cid}/series", {"title": "x", "rrule": "FREQ=WEEKLY",
                                              "starts_on": series["day"], "start_time": "12:00"}),
        ("get", f"/canteens/{cid}/series", None),
        ("get", f"/series/{sid}", None),
        ("patch", f"/series/{sid}", {"menu": "Soupe"}),
        ("post", f"/series/{sid}/skips", {"date": series["day"]}),
        ("delete", f"/series/{sid}", None),
    ]  # fmt: skip


def test_no_token_is_401(api, a_series):
    for method, path, data in _calls(a_series):
        r = api.open(method.upper(), path, json=data)
        assert r.status_code == 401, (method, path, r.get_json())


def test_another_neighbourhood_is_404_and_members_who_dont_host_are_403(api, auth, a_series):
    neighbourhood = a_series["canteen"].neighbourhood
    who = {
        404: [auth.member(auth.neighbourhood())],
        403: [auth.member(neighbourhood), neighbourhood.moderator],
    }
    for status, actors in who.items():
        for actor in actors:
            for method, path, data in _calls(a_series):
                r = api.open(method.upper(), path, json=data, as_=actor)
                assert r.status_code == status, (method, path, r.get_json())
    assert len(meals_of(a_series["id"])) == 2


def test_a_host_of_another_canteen_may_not(api, kitchen, a_series):
    other = kitchen.canteen(a_series["canteen"].neighbourhood)
    for method, path, data in _calls(a_series):
        r = api.open(method.upper(), path, json=data, as_=other.host)
        assert r.status_code == 403, (method, path, r.get_json())


def test_a_missing_series_is_404(api, a_series):
    host = a_series["canteen"].host
    for method, data in (("GET", None), ("PATCH", {"menu": "x"}), ("DELETE", None)):
        r = api.open(method, "/series/2147483647", json=data, as_=host)
        assert r.status_code == 404, method
    assert api.get("/series/2147483648", as_=host).status_code == 404


def test_the_extend_series_command(app, api, kitchen):
    canteen = kitchen.canteen()
    series = create(api, canteen)
    db.session.delete(meals_of(series["id"])[-1])
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["extend-series"])
    assert result.exit_code == 0, result.output
    assert "created 1 meals" in result.output
    assert len(meals_of(series["id"])) == 27


def test_changed_meals_reach_the_neighbourhood_live(api, auth, kitchen, sockets):
    canteen = kitchen.canteen()
    series = create(api, canteen, count=2)
    watcher = sockets.connected(auth.member(canteen.neighbourhood))
    watcher.get_received()
    r = api.patch(f"/series/{series['id']}", json=table(5), as_=canteen.host)
    assert r.status_code == 200, r.get_json()
    updates = received(watcher, "meal:availability")
    assert {u["meal_id"] for u in updates} == {m.id for m in meals_of(series["id"])}
    assert {u["availability"]["table"]["capacity"] for u in updates} == {5}


def test_days_taken_out_of_the_rule_and_put_back_get_their_meals_again(api, kitchen):
    """Found by the outside probe: a cancelled meal kept its date, so none came back."""
    canteen = kitchen.canteen()
    series = create(api, canteen, rrule="FREQ=WEEKLY;BYDAY=TH")
    thursdays = {m.occurrence_date for m in meals_of(series["id"])}
    for rule in ("FREQ=WEEKLY;BYDAY=FR", "FREQ=WEEKLY;BYDAY=TH,FR"):
        r = api.patch(f"/series/{series['id']}", json={"rrule": rule}, as_=canteen.host)
        assert r.status_code == 200, r.get_json()
    published = {
        m.occurrence_date for m in meals_of(series["id"]) if m.status == MealStatus.PUBLISHED
    }
    assert thursdays and thursdays <= published


def test_following_signups_closing_more_than_a_week_before_is_refused_not_cut(api, kitchen):
    """Found by the outside probe: it was cut to a week in silence (the series' own field
    refuses it)."""
    canteen = kitchen.canteen()
    series = create(api, canteen, count=2)
    meal = meals_of(series["id"])[1]
    closes = meal.starts_at - timedelta(days=8)
    r = api.patch(
        f"/meals/{meal.id}",
        json={"scope": "following", "signup_closes_at": closes.isoformat()},
        as_=canteen.host,
    )
    assert r.status_code == 422, r.get_json()
    assert "signup_closes_at" in r.get_json()["errors"]["json"]
