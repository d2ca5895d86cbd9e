"""A client emitting a reserved Socket.IO event name as an ordinary event reaches no handler.

python-socketio hands a client's `disconnect` event to the disconnect handler: the server then
forgot the socket while it stayed connected in all its rooms, and logout no longer cut it.
"""

from __future__ import annotations

import pytest

from neighbours.realtime import state
from neighbours.realtime.guard import RESERVED_EVENTS
from neighbours.realtime.publish import publish
from neighbours.realtime.rooms import user_room
from tests.support.sockets import received

# Probes: test-only events the document does not describe.
pytestmark = pytest.mark.undescribed_events

# a name dropped from the guard's list fails this test.
RESERVED = ["connect", "connect_error", "disconnect", "disconnecting", "newListener",
            "removeListener"]  # fmt: skip


def test_the_guard_refuses_every_reserved_name():
    assert set(RESERVED) <= RESERVED_EVENTS


@pytest.mark.parametrize("name", RESERVED)
@pytest.mark.parametrize("ack", [True, False], ids=["with-ack", "no-ack"])
def test_a_reserved_name_reaches_no_handler_and_logout_still_cuts(
    app, auth, api, db, sockets, name, ack
):
    me = auth.user()
    phone = sockets.connect(me.token)
    sid = next(iter(state(app).sockets.all())).sid

    answer = phone.emit(name, {"token": me.token}, callback=ack)

    if ack:
        assert answer["ok"] is False and answer["error"]["code"] == 400, answer
    assert phone.is_connected()
    assert state(app).sockets.get(sid) is not None, "the server still knows the socket"
    publish("probe", {"n": 1}, user_room(me.id))
    db.session.commit()
    assert received(phone, "probe") == [{"n": 1}]

    assert api.post("/auth/logout", headers=me.headers).status_code == 204

    assert not phone.is_connected(), "logout cuts the socket"
    assert state(app).sockets.get(sid) is None


def test_an_event_from_a_socket_the_registry_does_not_know_is_refused_and_cut(app, auth, sockets):
    phone = sockets.connect(auth.user().token)
    [live] = state(app).sockets.all()
    state(app).sockets.remove(live.sid)  # as if the server had forgotten it

    ack = phone.emit("meal:watch", {"meal_id": 1}, callback=True)

    assert ack["ok"] is False and ack["error"]["code"] == 401, ack
    assert not phone.is_connected()


def test_an_unknown_event_gets_an_error_ack(auth, sockets):
    phone = sockets.connect(auth.user().token)

    ack = phone.emit("no:such-event", {"meal_id": 1}, callback=True)

    assert ack["ok"] is False and ack["error"]["code"] == 404, ack
    assert phone.is_connected()
