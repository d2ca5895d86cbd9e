"""Leaving a neighbourhood (or being removed from it) gives one's seats at its meals yet to
start to the waitlist, in order, as a cancellation does (issue #11, item 3)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from neighbours.meals.models import SignupStatus
from tests.meals.api import availability, my_signup, notifications, signed_up
from tests.meals.test_concurrency import (
    assert_pool_invariants,
    pool_state,
    race,
    race_app,  # noqa: F401  (the fixture)
    signup_call,
)
from tests.support.api import PREFIX as API
from tests.support.api import v1
from tests.support.errors import assert_error


def end_membership(client: Any, nh: Any, person: Any, path: str) -> None:
    if path == "left":
        r = client.delete(v1(f"/neighbourhoods/{nh.id}/members/me"), headers=person.headers)
    else:
        r = client.delete(
            v1(f"/neighbourhoods/{nh.id}/members/{person.id}"), headers=nh.moderator.headers
        )
    assert r.status_code == 204, r.get_data(as_text=True)


@pytest.mark.parametrize("path", ["left", "removed"])
def test_the_seats_go_to_the_waitlist_in_order(client, api, auth, kitchen, sockets, path):
    canteen = kitchen.canteen()
    nh = canteen.neighbourhood
    meal = kitchen.meal(canteen, pools={"table": 3, "kitchen": 1})
    later = kitchen.meal(canteen, pools={"table": 1, "kitchen": 1}, starts_in=timedelta(days=5))
    leaver = auth.member(nh)
    first, second, third = auth.member(nh), auth.member(nh), auth.member(nh)
    signed_up(client, meal, auth.member(nh))
    assert signed_up(client, meal, leaver, party_size=2)["status"] == "confirmed"
    for person in (first, second, third):
        assert signed_up(client, meal, person)["status"] == "waitlisted"
    assert signed_up(client, later, leaver)["status"] == "confirmed"
    assert signed_up(client, later, first)["status"] == "waitlisted"
    socket = sockets.connected(first)
    socket.get_received()

    end_membership(client, nh, leaver, path)

    # The two seats go to the first two waiting, in arrival order; the third moves up.
    assert my_signup(client, meal, first) == {"status": "confirmed", "waitlist_position": None}
    assert my_signup(client, meal, second) == {"status": "confirmed", "waitlist_position": None}
    assert my_signup(client, meal, third) == {"status": "waitlisted", "waitlist_position": 1}
    assert my_signup(client, later, first) == {"status": "confirmed", "waitlist_position": None}
    assert availability(client, meal, first)["table"] == {
        "capacity": 3,
        "taken": 3,
        "left": 0,
        "waitlist": 1,
    }
    # As with a cancellation: the promoted hear it live and get a notification.
    events = socket.get_received()
    updates = [e["args"][0] for e in events if e["name"] == "signup:updated"]
    assert {(u["meal_id"], u["status"]) for u in updates} == {
        (meal.id, "confirmed"),
        (later.id, "confirmed"),
    }
    promoted = notifications(client, first, "waitlist_promoted")
    assert {n["payload"]["meal_id"] for n in promoted} == {meal.id, later.id}
    assert [
        n["payload"]["meal_id"] for n in notifications(client, second, "waitlist_promoted")
    ] == [meal.id]
    # The leaver's signups are cancelled, not left dangling.
    pool, signups = pool_state(meal.id)
    assert_pool_invariants(pool, signups)
    assert [s.status for s in signups if s.user_id == leaver.id] == [SignupStatus.CANCELLED]
    # Their meals are gone from their view, as is the neighbourhood.
    assert_error(api.get(f"/meals/{meal.id}/signups/me", headers=leaver.headers), 404)


def test_only_that_neighbourhoods_seats_are_given_up(client, auth, kitchen):
    canteen = kitchen.canteen()
    elsewhere = kitchen.canteen()
    leaver = auth.member(canteen.neighbourhood)
    auth.member(elsewhere.neighbourhood, leaver)
    here = kitchen.meal(canteen)
    there = kitchen.meal(elsewhere)
    signed_up(client, here, leaver)
    signed_up(client, there, leaver)

    end_membership(client, canteen.neighbourhood, leaver, "left")

    assert my_signup(client, there, leaver) == {"status": "confirmed", "waitlist_position": None}
    assert availability(client, there, leaver)["table"]["taken"] == 1


def test_a_moderator_cannot_remove_a_moderator_or_themselves(client, api, auth):
    nh = auth.neighbourhood()
    other = auth.member(nh, role="moderator")
    url = f"{API}/neighbourhoods/{nh.id}/members"
    assert_error(client.delete(f"{url}/{other.id}", headers=nh.moderator.headers), 409)
    assert_error(client.delete(f"{url}/{nh.moderator.id}", headers=nh.moderator.headers), 409)
    member = auth.member(nh)
    assert_error(client.delete(f"{url}/{other.id}", headers=member.headers), 403)
    assert_error(client.delete(f"{url}/999999", headers=nh.moderator.headers), 404)
    assert client.delete(f"{url}/{member.id}", headers=nh.moderator.headers).status_code == 204
    assert_error(client.delete(f"{url}/{member.id}", headers=nh.moderator.headers), 404)
    log = api.get(f"/neighbourhoods/{nh.id}/moderation/log", headers=other.headers)
    assert log.status_code == 200, log.get_json()
    assert "remove_member" in [entry["action"] for entry in log.get_json()["items"]]


@pytest.mark.postgres
@pytest.mark.commits  # requests race on several threads, each with its own connection
@pytest.mark.parametrize("round_", range(3))
def test_a_leave_racing_signups_never_oversells(race_app, client, auth, kitchen, round_):  # noqa: F811
    """One diner with seats at three meals leaves while newcomers sign up for them."""
    canteen = kitchen.canteen()
    nh = canteen.neighbourhood
    meals = [kitchen.meal(canteen, pools={"table": 5, "kitchen": 1}) for _ in range(3)]
    leaver = auth.member(nh)
    waiting = [auth.member(nh) for _ in range(6)]
    for meal in meals:
        assert signed_up(client, meal, leaver, party_size=2)["status"] == "confirmed"
        for person in waiting:  # three confirmed, then three waiting, in this order
            signed_up(client, meal, person)
    newcomers = [auth.member(nh) for _ in range(24)]

    url = f"{API}/neighbourhoods/{nh.id}/members/me"  # read here: threads have no app context
    meal_ids = [meal.id for meal in meals]

    def leave(c: Any) -> Any:
        return c.delete(url, headers=leaver.headers)

    calls = [leave] + [
        signup_call(meal_ids[i % 3], person, party_size=1 + i % 2)
        for i, person in enumerate(newcomers)
    ]
    responses = race(race_app, calls)

    assert not any(isinstance(r, Exception) for r in responses), responses
    assert responses[0].status_code == 204, responses[0].get_json()
    assert {r.status_code for r in responses[1:]} == {201}, [r.get_json() for r in responses]
    for meal in meals:
        pool, signups = pool_state(meal.id)
        assert_pool_invariants(pool, signups)
        assert pool.taken == 5
        by_user = {s.user_id: s for s in signups}
        assert by_user[leaver.id].status == SignupStatus.CANCELLED
        # The two freed seats went to those who were waiting before anyone racing.
        assert [by_user[p.id].status for p in waiting] == [SignupStatus.CONFIRMED] * 5 + [
            SignupStatus.WAITLISTED
        ]
