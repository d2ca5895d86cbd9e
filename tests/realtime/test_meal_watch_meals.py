"""meal:watch with real meals: authorisation, the ack's availability, and the meal room."""

from __future__ import annotations

import pytest

from neighbours.accounts.models import User
from neighbours.realtime.publish import publish
from neighbours.realtime.rooms import meal_room
from tests.support.sockets import received

# Hand-made, partial `meal:availability` payloads: the live-event hook is off here.
pytestmark = pytest.mark.undescribed_events

meals = pytest.importorskip("neighbours.meals.services")


def _watch(socket, data, event="meal:watch"):
    return socket.emit(event, data, callback=True)


def _availability(db, meal_id, payload):
    publish("meal:availability", payload, meal_room(meal_id))
    db.session.commit()


def test_a_member_watches_a_meal_and_hears_its_availability(auth, db, kitchen, sockets):
    meal = kitchen.meal(pools={"table": 8})
    me = auth.member(meal.canteen_obj.neighbourhood)
    socket = sockets.connect(me.token)

    ack = _watch(socket, {"meal_id": meal.id})

    assert ack["ok"] is True
    assert ack["meal_id"] == meal.id
    assert ack["availability"] == meals.watchable_meal(db.session.get(User, me.id), meal.id)[1]
    _availability(db, meal.id, {"meal_id": meal.id, "version": 1})
    assert received(socket, "meal:availability") == [{"meal_id": meal.id, "version": 1}]


def test_a_non_member_cannot_watch_a_meal(auth, db, kitchen, sockets):
    meal = kitchen.meal()
    outsider = auth.user()
    socket = sockets.connect(outsider.token)

    ack = _watch(socket, {"meal_id": meal.id})

    assert ack["ok"] is False and ack["error"]["code"] == 404
    _availability(db, meal.id, {"meal_id": meal.id})
    assert received(socket, "meal:availability") == []


def test_unwatch_stops_the_events(auth, db, kitchen, sockets):
    meal = kitchen.meal()
    socket = sockets.connect(auth.member(meal.canteen_obj.neighbourhood).token)
    assert _watch(socket, {"meal_id": meal.id})["ok"]

    assert _watch(socket, {"meal_id": meal.id}, "meal:unwatch") == {"ok": True, "meal_id": meal.id}

    _availability(db, meal.id, {"meal_id": meal.id})
    assert received(socket, "meal:availability") == []


def test_leaving_the_neighbourhood_stops_watching_its_meals(auth, api, db, kitchen, sockets):
    meal = kitchen.meal()
    me = auth.member(meal.canteen_obj.neighbourhood)
    socket = sockets.connect(me.token)
    assert _watch(socket, {"meal_id": meal.id})["ok"]

    r = api.delete(f"/neighbourhoods/{meal.neighbourhood_id}/members/me", headers=me.headers)
    assert r.status_code == 204

    _availability(db, meal.id, {"meal_id": meal.id})
    assert received(socket, "meal:availability") == []
