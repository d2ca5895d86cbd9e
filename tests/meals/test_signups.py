"""Signups: seats, the waitlist in arrival order, promotion, capacity changes, warnings."""

from __future__ import annotations

from datetime import timedelta

import pytest

from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.meals.models import Signup
from tests.meals.api import availability, my_signup, notifications, sign_up, signed_up
from tests.support.api import PREFIX as API
from tests.support.api import v1
from tests.support.errors import assert_error


def table(capacity, taken, waitlist):
    return {"capacity": capacity, "taken": taken, "left": capacity - taken, "waitlist": waitlist}


def cancel(client, meal, actor):
    r = client.delete(v1(f"/meals/{meal.id}/signups/me"), headers=actor.headers)
    assert r.status_code == 204, r.get_json()


def set_capacity(client, meal, capacity, pool="table"):
    host = meal.canteen_obj.host
    r = client.patch(
        v1(f"/meals/{meal.id}"),
        json={"pools": [{"key": pool, "capacity": capacity}]},
        headers=host.headers,
    )
    return r


@pytest.fixture
def people(auth):
    """`people(meal, n)`: n active members of the meal's neighbourhood."""

    def make(meal, n, **fields):
        return [auth.member(meal.canteen_obj.neighbourhood, **fields) for _ in range(n)]

    return make


# --- POST /meals/{id}/signups -------------------------------------------------------------


def test_a_signup_is_confirmed_while_seats_remain_then_waitlisted(client, api, kitchen, people):
    meal = kitchen.meal(pools={"table": 3, "kitchen": 1})
    ana, ben, cleo, dan = people(meal, 4)
    r = api.post(
        f"/meals/{meal.id}/signups",
        json={"pool": "table", "party_size": 2, "note": "  Nous arrivons à 19h30  "},
        headers=ana.headers,
    )
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body == {
        "id": body["id"],
        "meal_id": meal.id,
        "pool": "table",
        "party_size": 2,
        "note": "Nous arrivons à 19h30",
        "status": "confirmed",
        "waitlist_position": None,
        "warnings": [],
        "unsuited_diets": [],
        "attendance": None,
        "contribution_cents": None,
        "created_at": body["created_at"],
    }
    assert body["created_at"].endswith("Z")
    # Two seats don't fit in the one left: Ben waits.
    ben_signup = signed_up(client, meal, ben, party_size=2)
    assert (ben_signup["status"], ben_signup["waitlist_position"]) == ("waitlisted", 1)
    # Cleo's one seat fits: she is served, Ben keeps his place.
    cleo_signup = signed_up(client, meal, cleo, party_size=1)
    assert (cleo_signup["status"], cleo_signup["waitlist_position"]) == ("confirmed", None)
    dan_signup = signed_up(client, meal, dan, party_size=1)
    assert (dan_signup["status"], dan_signup["waitlist_position"]) == ("waitlisted", 2)
    assert availability(client, meal, ana) == {
        "table": table(3, 3, 2),
        "kitchen": table(1, 0, 0),
    }
    assert my_signup(client, meal, ben) == {"status": "waitlisted", "waitlist_position": 1}
    assert my_signup(client, meal, dan) == {"status": "waitlisted", "waitlist_position": 2}


def test_pools_have_their_own_seats_and_waitlists(client, kitchen, people):
    meal = kitchen.meal(pools={"table": 2, "kitchen": 1})
    a, b, c, d = people(meal, 4)
    assert signed_up(client, meal, a, pool="kitchen")["status"] == "confirmed"
    assert signed_up(client, meal, b, pool="kitchen")["waitlist_position"] == 1
    assert signed_up(client, meal, c, pool="table", party_size=2)["status"] == "confirmed"
    assert signed_up(client, meal, d, pool="table")["waitlist_position"] == 1
    assert availability(client, meal, a) == {"table": table(2, 2, 1), "kitchen": table(1, 1, 1)}


def test_an_empty_body_books_one_seat_at_the_table(api, kitchen, people):
    meal = kitchen.meal()
    (ana,) = people(meal, 1)
    r = api.post(f"/meals/{meal.id}/signups", json={}, headers=ana.headers)
    assert r.status_code == 201, r.get_json()
    assert (r.get_json()["pool"], r.get_json()["party_size"]) == ("table", 1)


def test_warnings_list_only_the_meals_allergens_i_declared(client, api, kitchen, people):
    meal = kitchen.meal(allergens=["gluten", "milk", "nuts", "celery"])
    (allergic,) = people(meal, 1, allergens=["sesame", "nuts", "milk", "eggs"])
    (other,) = people(meal, 1, allergens=["peanuts", "fish"])
    (none,) = people(meal, 1)
    body = signed_up(client, meal, allergic)
    assert body["warnings"] == ["milk", "nuts"]
    assert signed_up(client, meal, other)["warnings"] == []
    assert signed_up(client, meal, none)["warnings"] == []
    r = api.get(f"/meals/{meal.id}/signups/me", headers=allergic.headers)
    assert r.get_json()["warnings"] == ["milk", "nuts"]


def test_unsuited_diets_name_my_diets_the_menu_is_not_marked_for(client, kitchen, people):
    meal = kitchen.meal()  # marked vegetarian
    (diner,) = people(meal, 1, diets=["vegetarian", "halal"])
    assert signed_up(client, meal, diner)["unsuited_diets"] == ["halal"]


def test_a_second_signup_is_409(client, kitchen, people):
    meal = kitchen.meal()
    (ana,) = people(meal, 1)
    signed_up(client, meal, ana, party_size=2)
    assert_error(sign_up(client, meal, ana), 409)
    assert_error(sign_up(client, meal, ana, pool="kitchen"), 409)
    assert availability(client, meal, ana)["table"] == table(10, 2, 0)
    assert availability(client, meal, ana)["kitchen"] == table(2, 0, 0)
    assert db.session.query(Signup).count() == 1


def test_a_waitlisted_person_cannot_sign_up_twice_either(client, kitchen, people):
    meal = kitchen.meal(pools={"table": 1})
    ana, ben = people(meal, 2)
    signed_up(client, meal, ana)
    signed_up(client, meal, ben)
    assert_error(sign_up(client, meal, ben), 409)
    assert availability(client, meal, ana)["table"] == table(1, 1, 1)


def test_signing_up_after_the_deadline_is_409(client, kitchen, people):
    meal = kitchen.meal(closes_at=utcnow() - timedelta(minutes=1))
    (ana,) = people(meal, 1)
    body = assert_error(sign_up(client, meal, ana), 409)
    assert "closed" in body["message"]
    assert availability(client, meal, ana)["table"] == table(10, 0, 0)


def test_signing_up_for_a_cancelled_meal_is_409(client, kitchen, people):
    meal = kitchen.meal(status="cancelled")
    (ana,) = people(meal, 1)
    assert_error(sign_up(client, meal, ana), 409)
    assert db.session.query(Signup).count() == 0


def test_a_draft_is_404_to_members_and_409_to_its_host(client, kitchen, people):
    meal = kitchen.meal(status="draft")
    (ana,) = people(meal, 1)
    assert_error(sign_up(client, meal, ana), 404)
    assert_error(sign_up(client, meal, meal.canteen_obj.host), 409)
    assert db.session.query(Signup).count() == 0


@pytest.mark.parametrize("status", [None, "pending"])
def test_sign_up_outside_the_neighbourhood_is_404(client, api, auth, kitchen, status):
    meal = kitchen.meal()
    nh = meal.canteen_obj.neighbourhood
    outsider = auth.member(nh, status=status) if status else auth.member(auth.neighbourhood())
    assert_error(sign_up(client, meal, outsider), 404)
    assert_error(api.post("/meals/999999/signups", json={}, headers=outsider.headers), 404)
    assert db.session.query(Signup).count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"party_size": 0}, "party_size"),
        ({"party_size": 5}, "party_size"),
        ({"party_size": -1}, "party_size"),
        ({"party_size": "two"}, "party_size"),
        ({"party_size": 1.5}, "party_size"),
        ({"pool": "terrace"}, "pool"),
        ({"pool": ""}, "pool"),
        ({"pool": None}, "pool"),
        ({"note": "x" * 501}, "note"),
    ],
)
def test_sign_up_bad_input_is_422(api, kitchen, people, body, field):
    meal = kitchen.meal()
    (ana,) = people(meal, 1)
    r = api.post(f"/meals/{meal.id}/signups", json=body, headers=ana.headers)
    assert_error(r, 422, field)
    assert db.session.query(Signup).count() == 0


def test_a_party_larger_than_the_pool_is_422(client, kitchen, people):
    meal = kitchen.meal(pools={"table": 10, "kitchen": 2})
    (ana,) = people(meal, 1)
    assert_error(sign_up(client, meal, ana, pool="kitchen", party_size=3), 422, "party_size")


def test_a_replayed_signup_with_an_idempotency_key_books_once(client, api, kitchen, people):
    meal = kitchen.meal()
    (ana,) = people(meal, 1)
    headers = {**ana.headers, "Idempotency-Key": "signup-7f3a"}
    body = {"pool": "table", "party_size": 3}
    first = api.post(f"/meals/{meal.id}/signups", json=body, headers=headers)
    again = api.post(f"/meals/{meal.id}/signups", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert availability(client, meal, ana)["table"] == table(10, 3, 0)


# --- the waitlist -------------------------------------------------------------------------


def test_cancelling_frees_seats_for_the_waitlist_in_arrival_order(client, kitchen, people):
    meal = kitchen.meal(pools={"table": 4})
    a, b, c = people(meal, 3)
    assert signed_up(client, meal, a, party_size=4)["status"] == "confirmed"
    assert signed_up(client, meal, b, party_size=3)["waitlist_position"] == 1
    assert signed_up(client, meal, c, party_size=1)["waitlist_position"] == 2
    cancel(client, meal, a)
    assert my_signup(client, meal, b) == {"status": "confirmed", "waitlist_position": None}
    assert my_signup(client, meal, c) == {"status": "confirmed", "waitlist_position": None}
    assert my_signup(client, meal, a) == {"status": "cancelled", "waitlist_position": None}
    assert availability(client, meal, a)["table"] == table(4, 4, 0)


def test_a_party_too_large_keeps_its_place_while_the_next_that_fits_is_served(
    client, kitchen, people
):
    meal = kitchen.meal(pools={"table": 4})
    a, x, b, c, d = people(meal, 5)
    signed_up(client, meal, a, party_size=2)
    signed_up(client, meal, x, party_size=2)
    assert signed_up(client, meal, b, party_size=4)["waitlist_position"] == 1
    assert signed_up(client, meal, c, party_size=2)["waitlist_position"] == 2
    assert signed_up(client, meal, d, party_size=1)["waitlist_position"] == 3
    cancel(client, meal, a)
    assert my_signup(client, meal, b) == {"status": "waitlisted", "waitlist_position": 1}
    assert my_signup(client, meal, c) == {"status": "confirmed", "waitlist_position": None}
    assert my_signup(client, meal, d) == {"status": "waitlisted", "waitlist_position": 2}
    assert availability(client, meal, a)["table"] == table(4, 4, 2)
    # Two more seats free: the big party still doesn't fit, Dan's one seat does.
    cancel(client, meal, x)
    assert my_signup(client, meal, d) == {"status": "confirmed", "waitlist_position": None}
    assert my_signup(client, meal, b) == {"status": "waitlisted", "waitlist_position": 1}
    assert availability(client, meal, a)["table"] == table(4, 3, 1)
    cancel(client, meal, c)
    assert my_signup(client, meal, b) == {"status": "waitlisted", "waitlist_position": 1}
    assert availability(client, meal, a)["table"] == table(4, 1, 1)
    # All four seats free at last: the big party is served.
    cancel(client, meal, d)
    assert my_signup(client, meal, b) == {"status": "confirmed", "waitlist_position": None}
    assert availability(client, meal, a)["table"] == table(4, 4, 0)


def test_freed_seats_go_to_as_many_as_fit_in_order(client, kitchen, people):
    meal = kitchen.meal(pools={"table": 2})
    a, b, c, d = people(meal, 4)
    signed_up(client, meal, a, party_size=2)
    for person in (b, c, d):
        signed_up(client, meal, person)
    cancel(client, meal, a)
    assert my_signup(client, meal, b)["status"] == "confirmed"
    assert my_signup(client, meal, c)["status"] == "confirmed"
    assert my_signup(client, meal, d) == {"status": "waitlisted", "waitlist_position": 1}


def test_leaving_the_waitlist_moves_the_others_up(client, kitchen, people):
    meal = kitchen.meal(pools={"table": 1})
    a, b, c, d = people(meal, 4)
    for person in (a, b, c, d):
        signed_up(client, meal, person)
    cancel(client, meal, b)
    assert my_signup(client, meal, c) == {"status": "waitlisted", "waitlist_position": 1}
    assert my_signup(client, meal, d) == {"status": "waitlisted", "waitlist_position": 2}
    assert availability(client, meal, a)["table"] == table(1, 1, 2)


def test_signing_up_again_after_cancelling_goes_to_the_back(client, kitchen, people):
    meal = kitchen.meal(pools={"table": 1})
    a, b, c = people(meal, 3)
    for person in (a, b, c):
        signed_up(client, meal, person)
    cancel(client, meal, b)
    again = signed_up(client, meal, b)
    assert (again["status"], again["waitlist_position"]) == ("waitlisted", 2)
    assert my_signup(client, meal, c) == {"status": "waitlisted", "waitlist_position": 1}
    cancel(client, meal, a)
    assert my_signup(client, meal, c)["status"] == "confirmed"
    assert my_signup(client, meal, b) == {"status": "waitlisted", "waitlist_position": 1}
    # Re-booking a cancelled confirmed seat when there is room confirms again.
    cancel(client, meal, c)
    assert my_signup(client, meal, b)["status"] == "confirmed"
    assert signed_up(client, meal, c)["waitlist_position"] == 1


def test_promotion_notifies_the_promoted_only(client, kitchen, people):
    meal = kitchen.meal(pools={"table": 2})
    a, b, c = people(meal, 3)
    signed_up(client, meal, a, party_size=2)
    b_signup = signed_up(client, meal, b, party_size=2)
    signed_up(client, meal, c, party_size=1)
    cancel(client, meal, a)
    got = notifications(client, b, "waitlist_promoted")
    assert len(got) == 1
    assert got[0]["payload"]["meal_id"] == meal.id
    assert got[0]["payload"]["signup_id"] == b_signup["id"]
    assert got[0]["payload"]["meal_title"] == "Soupe et pain partagé"
    assert got[0]["read_at"] is None
    assert notifications(client, a) == []
    assert notifications(client, c) == []


def test_raising_a_capacity_promotes_the_waitlist(client, kitchen, people):
    meal = kitchen.meal(pools={"table": 2, "kitchen": 2})
    a, b, c = people(meal, 3)
    signed_up(client, meal, a, party_size=2)
    signed_up(client, meal, b, party_size=2)
    signed_up(client, meal, c, party_size=1)
    r = set_capacity(client, meal, 3)
    assert r.status_code == 200, r.get_json()
    # One seat more: Ben's two don't fit, Cleo's one does.
    assert r.get_json()["availability"]["table"] == table(3, 3, 1)
    assert my_signup(client, meal, b) == {"status": "waitlisted", "waitlist_position": 1}
    assert my_signup(client, meal, c)["status"] == "confirmed"
    assert len(notifications(client, c, "waitlist_promoted")) == 1
    r = set_capacity(client, meal, 6)
    assert r.get_json()["availability"]["table"] == table(6, 5, 0)
    assert my_signup(client, meal, b)["status"] == "confirmed"
    assert len(notifications(client, b, "waitlist_promoted")) == 1


def test_lowering_a_capacity_below_the_seats_taken_is_409(client, kitchen, people):
    meal = kitchen.meal(pools={"table": 4})
    a, b = people(meal, 2)
    signed_up(client, meal, a, party_size=3)
    signed_up(client, meal, b, party_size=2)
    assert_error(set_capacity(client, meal, 2), 409)
    assert availability(client, meal, a)["table"] == table(4, 3, 1)
    # Lowering to the seats taken is fine, and the waitlist stays.
    r = set_capacity(client, meal, 3)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["availability"]["table"] == table(3, 3, 1)


# --- GET/DELETE /meals/{id}/signups/me ----------------------------------------------------


def test_get_my_signup(client, api, kitchen, people):
    meal = kitchen.meal(pools={"table": 1})
    a, b = people(meal, 2)
    created = signed_up(client, meal, a)
    signed_up(client, meal, b)
    r = api.get(f"/meals/{meal.id}/signups/me", headers=a.headers)
    assert r.status_code == 200
    assert r.get_json() == created
    assert my_signup(client, meal, b) == {"status": "waitlisted", "waitlist_position": 1}


def test_get_my_signup_without_one_is_404(api, kitchen, people):
    meal = kitchen.meal()
    (ana,) = people(meal, 1)
    assert_error(api.get(f"/meals/{meal.id}/signups/me", headers=ana.headers), 404)


def test_my_signup_outside_the_neighbourhood_is_404(client, api, auth, kitchen, people):
    meal = kitchen.meal()
    (ana,) = people(meal, 1)
    signed_up(client, meal, ana)
    # Someone from another neighbourhood learns nothing about the meal.
    outsider = auth.member(auth.neighbourhood())
    for method in (client.get, client.delete):
        assert_error(method(f"{API}/meals/{meal.id}/signups/me", headers=outsider.headers), 404)
    draft = kitchen.meal(meal.canteen_obj, status="draft")
    assert_error(api.get(f"/meals/{draft.id}/signups/me", headers=ana.headers), 404)


def test_cancel_my_signup_without_one_is_404(client, api, kitchen, people):
    meal = kitchen.meal()
    (ana,) = people(meal, 1)
    assert_error(api.delete(f"/meals/{meal.id}/signups/me", headers=ana.headers), 404)
    signed_up(client, meal, ana)
    cancel(client, meal, ana)
    assert_error(api.delete(f"/meals/{meal.id}/signups/me", headers=ana.headers), 404)


def test_cancelling_after_the_meal_started_is_409(client, api, kitchen, people):
    meal = kitchen.meal(pools={"table": 2})
    (ana,) = people(meal, 1)
    signed_up(client, meal, ana)
    meal.starts_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    assert_error(api.delete(f"/meals/{meal.id}/signups/me", headers=ana.headers), 409)
    assert my_signup(client, meal, ana)["status"] == "confirmed"
