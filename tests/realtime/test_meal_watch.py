"""meal:watch / meal:unwatch: input checks, authorisation, and the meal room."""

from __future__ import annotations

import pytest


def _watch(socket, data, event="meal:watch"):
    return socket.emit(event, data, callback=True)


@pytest.mark.parametrize("event", ["meal:watch", "meal:unwatch"])
@pytest.mark.parametrize(
    "data", [None, {}, {"meal_id": "7"}, {"meal_id": 0}, {"meal_id": -1}, {"meal_id": True}, [7]]
)
def test_bad_input_is_refused_naming_meal_id(auth, sockets, event, data):
    socket = sockets.connect(auth.user().token)

    ack = _watch(socket, data, event)

    assert ack["ok"] is False
    assert ack["error"]["code"] == 422
    assert "meal_id" in ack["error"]["errors"]
    assert "meal_id" in ack["error"]["message"]
    assert socket.is_connected()


def test_watching_a_meal_that_does_not_exist_is_404(auth, sockets):
    socket = sockets.connect(auth.user().token)

    ack = _watch(socket, {"meal_id": 987654})

    assert ack == {
        "ok": False,
        "error": {
            "code": 404,
            "status": "Not Found",
            "reason": "not_found",
            "message": ack["error"]["message"],
        },
    }
