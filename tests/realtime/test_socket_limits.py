"""Per-socket event rate, sockets per user, and the sweeper, on one process (no Redis).

The same across two gunicorn processes with Redis is in test_socket_safety_multiprocess.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from neighbours.accounts.models import AccessToken
from neighbours.auth import hash_token
from neighbours.database import utcnow
from neighbours.extensions import db
from tests.support.factories import Auth
from tests.support.sockets import app_with_sockets


@pytest.fixture
def limited(app: Flask, make_app: Any) -> Iterator[Flask]:
    """An app with limits on; tables are emptied by `app`."""
    with app_with_sockets(
        make_app,
        LIMITS_ENABLED=True,
        SOCKET_EVENT_RATE=2,
        SOCKET_EVENT_BURST=5,
        SOCKETS_PER_USER=2,
        TOKEN_TTL_SECONDS=2,
        SOCKET_SWEEP_SECONDS=0.2,
        SOCKET_REVALIDATE_SECONDS=0.5,
    ) as other:
        yield other


def _connect(app: Flask, token: str) -> Any:
    return app.sockets.connect(token)  # type: ignore[attr-defined]


def _wait(condition: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_past_the_burst_events_get_429_and_a_socket_that_keeps_on_is_cut(limited):
    me, other = Auth(limited).user(), Auth(limited).user()
    flooder, neighbour = _connect(limited, me.token), _connect(limited, other.token)

    acks = [flooder.emit("meal:unwatch", {"meal_id": 1}, callback=True) for _ in range(5)]
    assert all(a["ok"] for a in acks), acks
    refused = flooder.emit("meal:unwatch", {"meal_id": 1}, callback=True)
    assert refused["ok"] is False and refused["error"]["code"] == 429, refused
    assert flooder.is_connected(), "a few refusals are only refused"
    for _ in range(10):
        if not flooder.is_connected():
            break
        flooder.emit("meal:unwatch", {"meal_id": 1}, callback=True)
    assert not flooder.is_connected(), "a socket that keeps flooding is cut"
    # Another socket has its own bucket.
    assert neighbour.emit("meal:unwatch", {"meal_id": 1}, callback=True)["ok"] is True


def test_the_bucket_refills_at_the_rate(limited):
    me = Auth(limited).user()
    socket = _connect(limited, me.token)
    for _ in range(5):
        socket.emit("meal:unwatch", {"meal_id": 1}, callback=True)
    assert socket.emit("meal:unwatch", {"meal_id": 1}, callback=True)["error"]["code"] == 429
    time.sleep(0.6)  # 2 a second: one more event
    assert socket.emit("meal:unwatch", {"meal_id": 1}, callback=True)["ok"] is True


def test_without_limits_a_burst_is_not_refused(auth, sockets):
    socket = sockets.connect(auth.user().token)
    acks = [socket.emit("meal:unwatch", {"meal_id": 1}, callback=True) for _ in range(100)]
    assert all(a["ok"] for a in acks)


def test_sockets_per_user_are_capped_and_a_closed_one_frees_its_place(limited):
    auth = Auth(limited)
    me = auth.user()
    first, second = _connect(limited, me.token), _connect(limited, auth.token_for(me))
    assert first.is_connected() and second.is_connected()

    third = _connect(limited, me.token)
    assert not third.is_connected()
    assert _connect(limited, auth.user().token).is_connected(), "others are not affected"

    first.disconnect()
    assert _connect(limited, me.token).is_connected()


def test_a_socket_is_cut_when_its_token_expires(limited):
    me = Auth(limited).user()  # TOKEN_TTL_SECONDS=2
    socket = _connect(limited, me.token)
    assert socket.is_connected()
    expires = db.session.execute(
        AccessToken.__table__.select().where(AccessToken.token_hash == hash_token(me.token))
    ).one()
    assert (expires.expires_at - utcnow()).total_seconds() > 1

    assert _wait(lambda: not socket.is_connected(), 4), "cut within 2 s of the expiry"
    assert utcnow() >= expires.expires_at


@pytest.mark.commits  # the revalidation runs on the sweeper's thread
def test_a_session_revoked_without_a_control_message_is_cut_by_revalidation(limited):
    auth = Auth(limited)
    me = auth.user()
    limited.config["TOKEN_TTL_SECONDS"] = 3600
    token = auth.token_for(me)
    socket = _connect(limited, token)
    # Revoked straight in the database: no control message is sent (as if it were lost).
    db.session.execute(
        update(AccessToken)
        .where(AccessToken.token_hash == hash_token(token))
        .values(revoked_at=utcnow())
    )
    db.session.commit()

    assert _wait(lambda: not socket.is_connected(), 2), "revalidation every 0.5 s cuts it"


def test_a_connected_socket_the_registry_forgot_is_cut_by_the_sweeper(limited):
    """The registry is the truth: a socket python-socketio holds connected but the registry
    doesn't know (as a disconnect that landed while it was still connecting left one, hearing
    everything in its rooms) is cut at the next sweep."""
    from neighbours.realtime.live import state

    limited.config["TOKEN_TTL_SECONDS"] = 3600
    me = Auth(limited).user()
    socket = _connect(limited, me.token)
    live_state = state(limited)
    (live,) = live_state.sockets.of_user(me.id)
    live_state.sockets.remove(live.sid)  # forgotten, still connected and in its rooms
    assert socket.is_connected()
    assert _wait(lambda: not socket.is_connected(), 2), "the sweep every 0.2 s cuts it"


def test_a_socket_cut_while_still_connecting_is_cut_once_connected(limited):
    """A disconnect does nothing while python-socketio still counts the socket as connecting;
    the cut then waits for the connect to finish instead of being lost."""
    from neighbours.realtime.live import state
    from neighbours.realtime.sockets import disconnect_local

    limited.config["TOKEN_TTL_SECONDS"] = 3600
    me = Auth(limited).user()
    live_state = state(limited)
    manager = live_state.server.manager
    connect = manager.connect

    def connect_after_a_cut(sid: str, namespace: str) -> Any:
        # The very moment of the race: the connect handler has returned (the socket is in the
        # registry) and python-socketio is about to mark it connected.
        with limited.app_context():
            disconnect_local(me.id)
        return connect(sid, namespace)

    manager.connect = connect_after_a_cut
    try:
        socket = _connect(limited, me.token)
    finally:
        manager.connect = connect
    assert _wait(lambda: not socket.is_connected(), 2), "cut once its connect completed"
