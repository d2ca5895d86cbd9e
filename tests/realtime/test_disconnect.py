"""Logout and account deletion cut live sockets."""

from __future__ import annotations

import pytest

from neighbours.realtime.publish import publish
from neighbours.realtime.rooms import user_room
from tests.support.settings import TEST_PASSWORD
from tests.support.sockets import received

# Probes: test-only events the document does not describe.
pytestmark = pytest.mark.undescribed_events


def test_logout_disconnects_that_sessions_sockets_only(auth, api, db, sockets):
    me = auth.user()
    laptop_token = auth.token_for(me)
    phone, laptop = sockets.connect(me.token), sockets.connect(laptop_token)
    someone_else = sockets.connect(auth.user().token)
    assert phone.is_connected() and laptop.is_connected()

    assert api.post("/auth/logout", headers=me.headers).status_code == 204

    assert not phone.is_connected()
    assert laptop.is_connected(), "another session of the same user stays"
    assert someone_else.is_connected()
    # The server forgot the cut socket too: events to the user reach only the laptop.
    publish("probe", {}, user_room(me.id))
    db.session.commit()
    assert received(laptop, "probe") == [{}]


def test_account_deletion_disconnects_every_socket_of_the_user(auth, api, sockets):
    me = auth.user()
    phone, laptop = sockets.connect(me.token), sockets.connect(auth.token_for(me))
    someone_else = sockets.connect(auth.user().token)

    r = api.delete("/me", json={"password": TEST_PASSWORD}, headers=me.headers)
    assert r.status_code == 204, r.get_json()

    assert not phone.is_connected()
    assert not laptop.is_connected()
    assert someone_else.is_connected()


def test_a_failed_logout_disconnects_nothing(auth, api, sockets):
    me = auth.user()
    phone = sockets.connect(me.token)

    r = api.post("/auth/logout", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401

    assert phone.is_connected()
