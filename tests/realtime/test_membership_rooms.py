"""Joining, being approved and leaving move a user's live sockets in and out of rooms."""

from __future__ import annotations

import pytest

from neighbours.realtime.publish import publish
from neighbours.realtime.rooms import neighbourhood_room
from tests.support.sockets import received

# Probes: test-only events the document does not describe.
pytestmark = pytest.mark.undescribed_events


def _probe(db, neighbourhood_id):
    publish("probe", {"neighbourhood_id": neighbourhood_id}, neighbourhood_room(neighbourhood_id))
    db.session.commit()


def _hears(socket, db, neighbourhood_id) -> bool:
    socket.get_received()
    _probe(db, neighbourhood_id)
    return received(socket, "probe") == [{"neighbourhood_id": neighbourhood_id}]


def test_joining_an_open_neighbourhood_puts_live_sockets_in_its_room(auth, api, db, sockets):
    quartier = auth.neighbourhood(join_policy="open")
    me = auth.user()
    phone, laptop = sockets.connect(me.token), sockets.connect(auth.token_for(me))
    assert not _hears(phone, db, quartier.id)

    r = api.post(f"/neighbourhoods/{quartier.id}/join", json={}, headers=me.headers)
    assert r.status_code == 201, r.get_json()

    assert _hears(phone, db, quartier.id)
    assert _hears(laptop, db, quartier.id)


def test_asking_to_join_does_not_put_sockets_in_the_room(auth, api, db, sockets):
    quartier = auth.neighbourhood(join_policy="approval")
    me = auth.user()
    phone = sockets.connect(me.token)

    r = api.post(f"/neighbourhoods/{quartier.id}/join", json={}, headers=me.headers)
    assert r.status_code == 201 and r.get_json()["status"] == "pending"

    assert not _hears(phone, db, quartier.id)


def test_approval_puts_live_sockets_in_the_room(auth, api, db, sockets):
    quartier = auth.neighbourhood(join_policy="approval")
    me = auth.member(quartier, status="pending")
    phone = sockets.connect(me.token)
    assert not _hears(phone, db, quartier.id)

    r = api.post(
        f"/neighbourhoods/{quartier.id}/members/{me.id}/approve",
        headers=quartier.moderator.headers,
    )
    assert r.status_code == 200, r.get_json()

    assert _hears(phone, db, quartier.id)


def test_decline_leaves_sockets_out_of_the_room(auth, api, db, sockets):
    quartier = auth.neighbourhood(join_policy="approval")
    me = auth.member(quartier, status="pending")
    phone = sockets.connect(me.token)

    r = api.post(
        f"/neighbourhoods/{quartier.id}/members/{me.id}/decline",
        headers=quartier.moderator.headers,
    )
    assert r.status_code == 200, r.get_json()

    assert not _hears(phone, db, quartier.id)


def test_leaving_takes_live_sockets_out_of_the_room(auth, api, db, sockets):
    quartier = auth.neighbourhood()
    other = auth.neighbourhood()
    me = auth.member(quartier)
    auth.member(other, me)
    phone = sockets.connect(me.token)
    assert _hears(phone, db, quartier.id)

    r = api.delete(f"/neighbourhoods/{quartier.id}/members/me", headers=me.headers)
    assert r.status_code == 204, r.get_data(as_text=True)

    assert not _hears(phone, db, quartier.id)
    assert _hears(phone, db, other.id), "the other neighbourhood's room is kept"
    assert phone.is_connected()


def test_other_users_sockets_are_untouched_by_my_leaving(auth, api, db, sockets):
    quartier = auth.neighbourhood()
    me, neighbour = auth.member(quartier), auth.member(quartier)
    theirs = sockets.connect(neighbour.token)

    r = api.delete(f"/neighbourhoods/{quartier.id}/members/me", headers=me.headers)
    assert r.status_code == 204

    assert _hears(theirs, db, quartier.id)
