"""Host tools: the signup list with dietary needs, check-in, and the meal summary."""

from __future__ import annotations

import pytest

from tests.meals.api import signed_up
from tests.support.api import PREFIX as API
from tests.support.api import v1
from tests.support.errors import assert_error


def check_in(client, host, signup_id, **body):
    return client.post(v1(f"/signups/{signup_id}/check-in"), json=body, headers=host.headers)


@pytest.fixture
def dinner(client, api, auth, kitchen):
    """A meal (table 4, kitchen 1) with confirmed, waitlisted and cancelled signups."""
    canteen = kitchen.canteen()
    nh = canteen.neighbourhood
    meal = kitchen.meal(canteen, pools={"table": 4, "kitchen": 1}, allergens=["milk"])
    ana = auth.member(nh, name="Ana", diets=["vegetarian"], allergens=["nuts", "milk"])
    ben = auth.member(nh, name="Ben", diets=["vegan", "gluten_free"], allergens=["nuts"])
    cleo = auth.member(nh, name="Cleo", diets=["halal"], allergens=["sesame"])
    dan = auth.member(nh, name="Dan", diets=["kosher"], allergens=["fish"])
    eve = auth.member(nh, name="Eve", diets=["vegetarian"])
    signups = {
        "ana": signed_up(client, meal, ana, party_size=2),
        "dan": signed_up(client, meal, dan, party_size=1),
        "ben": signed_up(client, meal, ben, party_size=1),
        "cleo": signed_up(client, meal, cleo, party_size=3),  # waitlisted
        "eve": signed_up(client, meal, eve, pool="kitchen"),
    }
    r = api.delete(f"/meals/{meal.id}/signups/me", headers=dan.headers)
    assert r.status_code == 204
    # Dan's seat goes to nobody: Cleo's party of three still doesn't fit.
    return {
        "meal": meal,
        "host": canteen.host,
        "nh": nh,
        "people": {"ana": ana, "ben": ben, "cleo": cleo, "dan": dan, "eve": eve},
        "signups": signups,
    }


# --- GET /meals/{id}/signups --------------------------------------------------------------


def test_host_lists_every_signup_with_dietary_needs(api, dinner):
    meal, people, signups = dinner["meal"], dinner["people"], dinner["signups"]
    r = api.get(f"/meals/{meal.id}/signups", headers=dinner["host"].headers)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    rows = [
        (s["user"]["display_name"], s["pool"], s["party_size"], s["status"], s["waitlist_position"])
        for s in body["items"]
    ]
    assert rows == [
        ("Ana", "table", 2, "confirmed", None),
        ("Dan", "table", 1, "cancelled", None),
        ("Ben", "table", 1, "confirmed", None),
        ("Cleo", "table", 3, "waitlisted", 1),
        ("Eve", "kitchen", 1, "confirmed", None),
    ]
    ana = body["items"][0]
    assert ana["id"] == signups["ana"]["id"]
    assert ana["meal_id"] == meal.id
    assert ana["user"] == {"id": people["ana"].id, "display_name": "Ana", "avatar_url": None}
    assert ana["dietary"] == {"diets": ["vegetarian"], "allergens": ["nuts", "milk"]}
    assert ana["attendance"] is None
    assert ana["contribution_cents"] is None
    assert body["items"][2]["dietary"] == {
        "diets": ["vegan", "gluten_free"],
        "allergens": ["nuts"],
    }
    assert body["next_cursor"] is None
    # Among confirmed diners only: not Cleo (waitlisted), not Dan (cancelled).
    assert body["summary"] == {
        "confirmed_signups": 3,
        "confirmed_people": 4,
        "guests": 1,
        "diets": {"vegetarian": 2, "vegan": 1, "gluten_free": 1},
        "allergens": {"milk": 1, "nuts": 2},
    }


def test_host_signup_list_filters_and_paginates(client, dinner):
    meal, host = dinner["meal"], dinner["host"]
    url = f"{API}/meals/{meal.id}/signups"
    r = client.get(url, query_string={"status": "waitlisted"}, headers=host.headers)
    assert [s["user"]["display_name"] for s in r.get_json()["items"]] == ["Cleo"]
    assert r.get_json()["items"][0]["waitlist_position"] == 1
    # The summary is of the whole meal, whatever the page.
    assert r.get_json()["summary"]["confirmed_people"] == 4
    names, cursor = [], None
    while True:
        query = {"limit": 2} | ({"after": cursor} if cursor else {})
        body = client.get(url, query_string=query, headers=host.headers).get_json()
        names += [s["user"]["display_name"] for s in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert names == ["Ana", "Dan", "Ben", "Cleo", "Eve"]


def test_the_check_in_screen_is_one_request(client, dinner):
    """The first page carries the meal (availability, canteen, conversation); later ones don't."""
    meal, host = dinner["meal"], dinner["host"]
    url = f"{API}/meals/{meal.id}/signups"
    first = client.get(url, query_string={"limit": 2}, headers=host.headers).get_json()
    assert first["meal"]["id"] == meal.id
    assert first["meal"]["is_host"] is True
    assert first["meal"]["availability"]["table"]["taken"] == 3  # Ana and her guest, Ben
    assert set(first["meal"]["canteen"]) >= {"id", "name", "address", "timezone", "currency"}
    later = client.get(
        url, query_string={"limit": 2, "after": first["next_cursor"]}, headers=host.headers
    ).get_json()
    assert later["meal"] is None


def test_an_empty_meal_has_an_empty_summary(api, kitchen):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen)
    r = api.get(f"/meals/{meal.id}/signups", headers=canteen.host.headers)
    body = r.get_json()
    assert body.pop("meal")["id"] == meal.id
    assert body == {
        "items": [],
        "next_cursor": None,
        "summary": {
            "confirmed_signups": 0,
            "confirmed_people": 0,
            "guests": 0,
            "diets": {},
            "allergens": {},
        },
    }


@pytest.mark.parametrize("who", ["diner", "member", "moderator", "other_host"])
def test_host_signup_list_is_for_the_canteens_hosts(api, auth, kitchen, dinner, who):
    nh = dinner["nh"]
    actor = {
        "diner": lambda: dinner["people"]["ana"],
        "member": lambda: auth.member(nh),
        "moderator": lambda: nh.moderator,
        "other_host": lambda: kitchen.canteen(nh).host,
    }[who]()
    r = api.get(f"/meals/{dinner['meal'].id}/signups", headers=actor.headers)
    assert_error(r, 403)


def test_host_signup_list_outside_the_neighbourhood_is_404(api, kitchen, dinner):
    other = kitchen.canteen()
    r = api.get(f"/meals/{dinner['meal'].id}/signups", headers=other.host.headers)
    assert_error(r, 404)
    assert_error(api.get("/meals/999999/signups", headers=other.host.headers), 404)


@pytest.mark.parametrize(
    ("query", "field"),
    [({"status": "maybe"}, "status"), ({"limit": 0}, "limit"), ({"after": "%%%"}, "after")],
)
def test_host_signup_list_bad_query_is_422(api, dinner, query, field):
    r = api.get(
        f"/meals/{dinner['meal'].id}/signups",
        query_string=query,
        headers=dinner["host"].headers,
    )
    assert_error(r, 422, field, location="query")


# --- POST /signups/{id}/check-in ----------------------------------------------------------


def test_host_checks_in_attended_with_a_contribution(client, api, dinner):
    signup = dinner["signups"]["ana"]
    r = check_in(
        client, dinner["host"], signup["id"], attendance="attended", contribution_cents=1200
    )
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["id"], body["status"], body["attendance"], body["contribution_cents"]) == (
        signup["id"],
        "confirmed",
        "attended",
        1200,
    )
    r = api.get(f"/meals/{dinner['meal'].id}/signups/me", headers=dinner["people"]["ana"].headers)
    assert (r.get_json()["attendance"], r.get_json()["contribution_cents"]) == ("attended", 1200)


def test_host_marks_a_no_show_and_can_correct_it(client, dinner):
    host, signup_id = dinner["host"], dinner["signups"]["ben"]["id"]
    r = check_in(client, host, signup_id, attendance="no_show")
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["attendance"], r.get_json()["contribution_cents"]) == ("no_show", None)
    # Ben turned up late after all.
    r = check_in(client, host, signup_id, attendance="attended", contribution_cents=0)
    assert (r.get_json()["attendance"], r.get_json()["contribution_cents"]) == ("attended", 0)
    r = check_in(client, host, signup_id, attendance="no_show", contribution_cents=None)
    assert (r.get_json()["attendance"], r.get_json()["contribution_cents"]) == ("no_show", None)


def test_a_no_show_with_a_contribution_is_422(client, api, dinner):
    r = check_in(
        client,
        dinner["host"],
        dinner["signups"]["ana"]["id"],
        attendance="no_show",
        contribution_cents=500,
    )
    assert_error(r, 422, "contribution_cents")
    r = api.get(f"/meals/{dinner['meal'].id}/signups/me", headers=dinner["people"]["ana"].headers)
    assert r.get_json()["attendance"] is None


@pytest.mark.parametrize("who", ["cleo", "dan"])
def test_only_confirmed_diners_can_be_checked_in(client, dinner, who):
    r = check_in(client, dinner["host"], dinner["signups"][who]["id"], attendance="attended")
    assert_error(r, 409)


@pytest.mark.parametrize("who", ["diner", "member", "moderator", "other_host"])
def test_check_in_is_for_the_canteens_hosts(client, auth, kitchen, dinner, who):
    nh = dinner["nh"]
    actor = {
        "diner": lambda: dinner["people"]["ana"],
        "member": lambda: auth.member(nh),
        "moderator": lambda: nh.moderator,
        "other_host": lambda: kitchen.canteen(nh).host,
    }[who]()
    r = check_in(
        client, actor, dinner["signups"]["ana"]["id"], attendance="attended", contribution_cents=1
    )
    assert_error(r, 403)


def test_check_in_outside_the_neighbourhood_is_404(client, kitchen, dinner):
    other = kitchen.canteen()
    assert_error(
        check_in(client, other.host, dinner["signups"]["ana"]["id"], attendance="attended"), 404
    )
    assert_error(check_in(client, other.host, 999999, attendance="attended"), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "attendance"),
        ({"attendance": "perhaps"}, "attendance"),
        ({"attendance": "attended", "contribution_cents": -100}, "contribution_cents"),
        ({"attendance": "attended", "contribution_cents": "a lot"}, "contribution_cents"),
        ({"attendance": "attended", "contribution_cents": 2.5}, "contribution_cents"),
    ],
)
def test_check_in_bad_input_is_422(api, dinner, body, field):
    r = api.post(
        f"/signups/{dinner['signups']['ana']['id']}/check-in",
        json=body,
        headers=dinner["host"].headers,
    )
    assert_error(r, 422, field)


def test_check_in_after_the_meal_was_cancelled_is_409(client, api, dinner):
    meal, host = dinner["meal"], dinner["host"]
    r = api.post(f"/meals/{meal.id}/cancel", json={"reason": "Storm"}, headers=host.headers)
    assert r.status_code == 200
    assert_error(check_in(client, host, dinner["signups"]["ana"]["id"], attendance="attended"), 409)


# --- GET /meals/{id}/summary --------------------------------------------------------------


def test_meal_summary_adds_up(client, api, auth, kitchen):
    canteen = kitchen.canteen()
    nh = canteen.neighbourhood
    host = canteen.host
    meal = kitchen.meal(canteen, pools={"table": 10, "kitchen": 2}, cost_price_cents=500)
    sizes = {"a": 2, "b": 1, "c": 3, "d": 1, "e": 2}
    people = {name: auth.member(nh) for name in [*sizes, "f", "g"]}
    ids = {
        name: signed_up(client, meal, people[name], party_size=n)["id"] for name, n in sizes.items()
    }
    assert signed_up(client, meal, people["f"], party_size=2)["status"] == "waitlisted"
    ids["g"] = signed_up(client, meal, people["g"], pool="kitchen", party_size=2)["id"]
    for name, body in {
        "a": {"attendance": "attended", "contribution_cents": 1200},
        "b": {"attendance": "attended", "contribution_cents": 300},
        "c": {"attendance": "no_show"},
        "d": {"attendance": "attended"},
    }.items():
        assert check_in(client, host, ids[name], **body).status_code == 200
    r = api.get(f"/meals/{meal.id}/summary", headers=host.headers)
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {
        "meal_id": meal.id,
        "status": "published",
        "cost_price_cents": 500,
        "currency": "EUR",
        "availability": {
            "table": {"capacity": 10, "taken": 9, "left": 1, "waitlist": 1},
            "kitchen": {"capacity": 2, "taken": 2, "left": 0, "waitlist": 0},
        },
        "seats": {"capacity": 12, "taken": 11, "waitlisted_signups": 1},
        "attendance": {
            "confirmed_signups": 6,
            "confirmed_people": 11,
            "attended_signups": 3,
            "attended_people": 4,
            "no_show_signups": 1,
            "no_show_people": 3,
            "not_checked_in_signups": 2,
        },
        "contributions": {
            "count": 2,
            "total_cents": 1500,
            "average_per_person_cents": 375,
            "cost_total_cents": 2000,
            "balance_cents": -500,
            "coverage": 0.75,
        },
    }


def test_summary_of_a_meal_nobody_came_to(api, kitchen):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen, cost_price_cents=450)
    body = api.get(f"/meals/{meal.id}/summary", headers=canteen.host.headers).get_json()
    assert body["contributions"] == {
        "count": 0,
        "total_cents": 0,
        "average_per_person_cents": 0,
        "cost_total_cents": 0,
        "balance_cents": 0,
        "coverage": None,
    }
    assert body["attendance"]["attended_people"] == 0


@pytest.mark.parametrize("who", ["diner", "member", "moderator", "other_host"])
def test_summary_is_for_the_canteens_hosts(api, auth, kitchen, dinner, who):
    nh = dinner["nh"]
    actor = {
        "diner": lambda: dinner["people"]["ana"],
        "member": lambda: auth.member(nh),
        "moderator": lambda: nh.moderator,
        "other_host": lambda: kitchen.canteen(nh).host,
    }[who]()
    assert_error(api.get(f"/meals/{dinner['meal'].id}/summary", headers=actor.headers), 403)


def test_summary_outside_the_neighbourhood_is_404(api, kitchen, dinner):
    other = kitchen.canteen()
    r = api.get(f"/meals/{dinner['meal'].id}/summary", headers=other.host.headers)
    assert_error(r, 404)
    assert_error(api.get("/meals/999999/summary", headers=other.host.headers), 404)
