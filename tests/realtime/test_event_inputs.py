"""Every socket event the server registers answers bad ids with an error ack, never silence.

`meal:watch` with an id beyond the database's INTEGER used to get no ack and an unhandled
traceback (PostgreSQL: integer out of range; SQLite: int too large to convert).
"""

from __future__ import annotations

import logging

import pytest

from neighbours.extensions import socketio
from neighbours.fields import MAX_ID
from neighbours.realtime import state

# The id fields of each event a client may send. A new event must be added here, so that the
# probe below reaches it (test_every_registered_event_is_probed fails otherwise).
ID_FIELDS = {"meal:watch": ["meal_id"], "meal:unwatch": ["meal_id"]}

VALID_BUT_UNKNOWN = MAX_ID  # a possible id no row has: an answer, not necessarily an error
IDS = [0, -1, MAX_ID, 2**31, 2**63, 1e30, "1", True, None, [], {}]


def _probes() -> list[tuple[str, str, object]]:
    return [(e, f, v) for e, fields in ID_FIELDS.items() for f in fields for v in IDS]


def test_every_registered_event_is_probed(app):
    registered = set(state(app).server.handlers["/"]) - {"connect", "disconnect"}
    assert registered == set(ID_FIELDS)


@pytest.mark.parametrize(("event", "field", "value"), _probes(), ids=repr)
def test_an_id_at_or_beyond_the_limits_gets_an_error_ack(auth, sockets, event, field, value):
    socket = sockets.connect(auth.user().token)

    ack = socket.emit(event, {field: value}, callback=True)

    assert isinstance(ack, dict), f"no ack for {event} {field}={value!r}"
    if value == VALID_BUT_UNKNOWN and type(value) is int:
        assert ack["ok"] is True or ack["error"]["code"] == 404, ack
    else:
        assert ack["ok"] is False, ack
        assert ack["error"]["code"] == 422, ack
        assert field in ack["error"]["errors"], ack
    assert socket.is_connected()


@pytest.mark.parametrize("event", sorted(ID_FIELDS))
@pytest.mark.parametrize("payload", [None, 2**63, "x", [], True], ids=repr)
def test_a_payload_that_is_not_an_object_gets_an_error_ack(auth, sockets, event, payload):
    socket = sockets.connect(auth.user().token)

    ack = socket.emit(event, payload, callback=True)

    assert ack["ok"] is False and ack["error"]["code"] == 422, ack


def test_an_exception_in_a_handler_becomes_a_logged_500_ack(app, auth, sockets, caplog):
    def boom(_data=None):
        raise RuntimeError("boom")

    socketio.on_event("test:boom", boom, namespace="/")  # on this app's server only
    socket = sockets.connect(auth.user().token)
    caplog.set_level(logging.ERROR, logger="neighbours")

    ack = socket.emit("test:boom", {}, callback=True)

    assert ack["ok"] is False and ack["error"]["code"] == 500, ack
    assert "boom" not in ack["error"]["message"], "no internals in the ack"
    assert any("test:boom" in r.getMessage() for r in caplog.records)
    assert socket.is_connected()
