"""Live table availability, in process: `meal:watch`, `meal:availability`, `signup:updated`."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from neighbours.extensions import db
from neighbours.realtime.models import LoggedEvent
from tests.meals.api import (
    sign_up,
    signed_up,
)
from tests.support.sockets import received


@pytest.fixture
def connect(sockets):
    """A connected socket of an actor, closed after the test."""
    return sockets.connected


def one_update(socket):
    """The single `meal:availability` update a socket got (it may arrive once per room)."""
    updates = received(socket, "meal:availability")
    assert updates, "no meal:availability received"
    assert all(u == updates[0] for u in updates), updates
    return updates[0]


def watch(socket, meal_id):
    return socket.emit("meal:watch", {"meal_id": meal_id}, callback=True)


def seats(capacity, taken, waitlist=0):
    return {"capacity": capacity, "taken": taken, "left": capacity - taken, "waitlist": waitlist}


def test_a_watcher_sees_seats_change_after_a_signup(client, api, auth, kitchen, connect):
    meal = kitchen.meal(pools={"table": 6, "kitchen": 2})
    nh = meal.canteen_obj.neighbourhood
    watcher = connect(auth.member(nh))
    ack = watch(watcher, meal.id)
    assert ack["ok"] is True
    assert ack["availability"] == {"table": seats(6, 0), "kitchen": seats(2, 0)}
    before = api.get(f"/meals/{meal.id}", headers=nh.moderator.headers).get_json()["version"]
    watcher.get_received()

    signed_up(client, meal, auth.member(nh), party_size=3)

    update = one_update(watcher)
    assert update["meal_id"] == meal.id
    assert update["status"] == "published"
    assert update["availability"] == {"table": seats(6, 3), "kitchen": seats(2, 0)}
    assert update["version"] > before
    assert set(update) == {"meal_id", "status", "availability", "version"}


def test_versions_increase_with_each_change(client, api, auth, kitchen, connect):
    meal = kitchen.meal(pools={"table": 1})
    nh = meal.canteen_obj.neighbourhood
    watcher = connect(auth.member(nh))
    assert watch(watcher, meal.id)["ok"] is True
    a, b = auth.member(nh), auth.member(nh)
    seen = []
    signed_up(client, meal, a)
    seen.append(one_update(watcher))
    signed_up(client, meal, b)
    seen.append(one_update(watcher))
    r = api.patch(
        f"/meals/{meal.id}",
        json={"pools": [{"key": "table", "capacity": 2}]},
        headers=meal.canteen_obj.host.headers,
    )
    assert r.status_code == 200
    seen.append(one_update(watcher))
    assert api.delete(f"/meals/{meal.id}/signups/me", headers=a.headers).status_code == 204
    seen.append(one_update(watcher))
    assert [u["availability"]["table"] for u in seen] == [
        seats(1, 1),
        seats(1, 1, 1),
        seats(2, 2),
        seats(2, 1),
    ]
    versions = [u["version"] for u in seen]
    assert versions == sorted(set(versions))


def test_the_neighbourhood_hears_availability_without_watching(client, auth, kitchen, connect):
    meal = kitchen.meal(pools={"table": 4})
    nh = meal.canteen_obj.neighbourhood
    neighbour = connect(auth.member(nh))
    stranger = connect(auth.member(auth.neighbourhood()))
    signed_up(client, meal, auth.member(nh), party_size=2)
    assert one_update(neighbour)["availability"] == {"table": seats(4, 2)}
    assert received(stranger, "meal:availability") == []


def test_non_members_cannot_watch(client, auth, kitchen, connect):
    meal = kitchen.meal()
    nh = meal.canteen_obj.neighbourhood
    for outsider in (auth.member(auth.neighbourhood()), auth.member(nh, status="pending")):
        socket = connect(outsider)
        ack = watch(socket, meal.id)
        assert ack["ok"] is False
        assert ack["error"]["code"] == 404
        assert "availability" not in ack
        signed_up(client, meal, auth.member(nh))
        assert received(socket, "meal:availability") == []


def test_a_draft_cannot_be_watched_by_members(auth, kitchen, connect):
    meal = kitchen.meal(status="draft")
    socket = connect(auth.member(meal.canteen_obj.neighbourhood))
    assert watch(socket, meal.id)["ok"] is False
    assert watch(connect(meal.canteen_obj.host), meal.id)["ok"] is True


@pytest.mark.parametrize(
    "data", [{}, {"meal_id": "one"}, {"meal_id": -3}, {"meal_id": 0}, None, [1]]
)
def test_a_bad_meal_id_is_refused(auth, kitchen, connect, data):
    meal = kitchen.meal()
    socket = connect(auth.member(meal.canteen_obj.neighbourhood))
    ack = socket.emit("meal:watch", data, callback=True)
    assert ack["ok"] is False
    assert ack["error"]["code"] == 422


def test_an_unknown_meal_is_refused(auth, connect):
    socket = connect(auth.user())
    ack = watch(socket, 987654)
    assert ack["ok"] is False
    assert ack["error"]["code"] == 404


def test_promotion_and_moving_up_reach_the_waitlisted(client, api, auth, kitchen, connect):
    meal = kitchen.meal(pools={"table": 1})
    nh = meal.canteen_obj.neighbourhood
    a, b, c = auth.member(nh), auth.member(nh), auth.member(nh)
    signed_up(client, meal, a)
    b_signup = signed_up(client, meal, b)
    c_signup = signed_up(client, meal, c)
    assert (b_signup["waitlist_position"], c_signup["waitlist_position"]) == (1, 2)
    sockets = {name: connect(person) for name, person in {"a": a, "b": b, "c": c}.items()}
    for socket in sockets.values():
        socket.get_received()

    assert api.delete(f"/meals/{meal.id}/signups/me", headers=a.headers).status_code == 204

    assert received(sockets["b"], "signup:updated") == [
        {"id": b_signup["id"], "meal_id": meal.id, "status": "confirmed", "waitlist_position": None}
    ]
    assert received(sockets["c"], "signup:updated") == [
        {"id": c_signup["id"], "meal_id": meal.id, "status": "waitlisted", "waitlist_position": 1}
    ]
    # The person who cancelled did it themselves: no signup:updated for them.
    assert received(sockets["a"], "signup:updated") == []


def test_promotion_pushes_the_notification_live(client, api, auth, kitchen, connect):
    meal = kitchen.meal(pools={"table": 2})
    nh = meal.canteen_obj.neighbourhood
    a, b = auth.member(nh), auth.member(nh)
    signed_up(client, meal, a, party_size=2)
    signed_up(client, meal, b, party_size=2)
    socket = connect(b)
    socket.get_received()
    r = api.patch(
        f"/meals/{meal.id}",
        json={"pools": [{"key": "table", "capacity": 4}]},
        headers=meal.canteen_obj.host.headers,
    )
    assert r.status_code == 200
    created = received(socket, "notification:created")
    assert [(n["type"], n["payload"]["meal_id"]) for n in created] == [
        ("waitlist_promoted", meal.id)
    ]


def test_cancelling_the_meal_tells_each_diner_and_the_watchers(client, api, auth, kitchen, connect):
    meal = kitchen.meal(pools={"table": 1})
    nh = meal.canteen_obj.neighbourhood
    a, b = auth.member(nh), auth.member(nh)
    a_signup = signed_up(client, meal, a)
    b_signup = signed_up(client, meal, b)
    socket_a, socket_b = connect(a), connect(b)
    assert watch(socket_a, meal.id)["ok"] is True
    socket_a.get_received()
    socket_b.get_received()
    r = api.post(
        f"/meals/{meal.id}/cancel",
        json={"reason": "Panne de four"},
        headers=meal.canteen_obj.host.headers,
    )
    assert r.status_code == 200
    for socket, signup in ((socket_a, a_signup), (socket_b, b_signup)):
        events = socket.get_received()
        updated = [
            {k: v for k, v in e["args"][0].items() if k != "event_id"}
            for e in events
            if e["name"] == "signup:updated"
        ]
        assert updated == [
            {
                "id": signup["id"],
                "meal_id": meal.id,
                "status": "cancelled",
                "waitlist_position": None,
            }
        ]
        notes = [e["args"][0] for e in events if e["name"] == "notification:created"]
        assert [(n["type"], n["payload"]["reason"]) for n in notes] == [
            ("meal_cancelled", "Panne de four")
        ]
        availability = [e["args"][0] for e in events if e["name"] == "meal:availability"]
        assert availability and all(u["status"] == "cancelled" for u in availability)
        assert all(u["availability"] == {"table": seats(1, 0)} for u in availability)


def test_nothing_is_emitted_when_a_signup_fails(client, auth, kitchen, connect):
    meal = kitchen.meal(pools={"table": 1})
    nh = meal.canteen_obj.neighbourhood
    watcher = connect(auth.member(nh))
    assert watch(watcher, meal.id)["ok"] is True
    a = auth.member(nh)
    signed_up(client, meal, a)
    one_update(watcher)
    socket_a = connect(a)
    socket_a.get_received()
    assert sign_up(client, meal, a).status_code == 409
    assert sign_up(client, meal, a, pool="nowhere").status_code == 422
    closed = kitchen.meal(meal.canteen_obj, status="cancelled")
    assert watch(watcher, closed.id)["ok"] is True
    assert sign_up(client, closed, a).status_code == 409
    assert watcher.get_received() == []
    assert socket_a.get_received() == []
    # The next real change still comes through, with the next version.
    signed_up(client, meal, auth.member(nh))
    assert one_update(watcher)["availability"] == {"table": seats(1, 1, 1)}


def test_changes_to_a_draft_are_not_broadcast_to_the_neighbourhood(api, auth, kitchen, connect):
    meal = kitchen.meal(pools={"table": 4}, status="draft")
    canteen = meal.canteen_obj
    neighbour = connect(auth.member(canteen.neighbourhood))
    host_socket = connect(canteen.host)
    assert watch(host_socket, meal.id)["ok"] is True
    host_socket.get_received()
    r = api.patch(
        f"/meals/{meal.id}",
        json={"pools": [{"key": "table", "capacity": 6}]},
        headers=canteen.host.headers,
    )
    assert r.status_code == 200, r.get_json()
    # The host watching the draft sees it; the neighbourhood doesn't learn the draft exists.
    assert one_update(host_socket)["availability"] == {"table": seats(6, 0)}
    assert received(neighbour, "meal:availability") == []
    # Nor does the log keep a draft's figures (its watchers would replay them once it is
    # published: found by the outside probe).
    logged = db.session.scalars(
        select(LoggedEvent.payload).where(LoggedEvent.name == "meal:availability")
    ).all()
    assert [p["status"] for p in logged] == []
    # Once published, the neighbourhood hears of it.
    r = api.post(f"/meals/{meal.id}/publish", headers=canteen.host.headers)
    assert r.status_code == 200
    assert one_update(neighbour)["status"] == "published"


def test_a_watcher_in_both_rooms_gets_each_update_once_newer_than_the_ack(
    client, auth, kitchen, connect
):
    meal = kitchen.meal(pools={"table": 4})
    nh = meal.canteen_obj.neighbourhood
    watcher = connect(auth.member(nh))
    ack = watch(watcher, meal.id)
    watcher.get_received()

    assert sign_up(client, meal, auth.member(nh)).status_code == 201

    updates = received(watcher, "meal:availability")
    assert len(updates) == 1
    assert updates[0]["version"] > ack["version"]
    assert updates[0]["availability"]["table"] == seats(4, 1)
