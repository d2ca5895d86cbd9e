"""Socket.IO test clients on the test's app: each event in its own app context, always closed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask_socketio.test_client import SocketIOTestClient
from socketio import packet

from neighbours.extensions import socketio
from tests.support.apps import bind_socketio, hand_over


def received(client: Any, name: str, *, ids: bool = False) -> list[Any]:
    """The payloads of the `name` events a test client received since last asked.

    Without the `event_id` the event log adds to every event (`ids=True` keeps it): tests of
    what an event says compare its own fields; tests of the log look at the ids.
    """
    payloads = [e["args"][0] for e in client.get_received() if e["name"] == name]
    if ids:
        return payloads
    return [
        {k: v for k, v in p.items() if k != "event_id"} if isinstance(p, dict) else p
        for p in payloads
    ]


def heard_before_cut(client: Any, name: str) -> list[Any]:
    """The payloads of the `name` events a test client received, read even once it was
    disconnected (the test client's `get_received` refuses then)."""
    return [e["args"][0] for e in client.queue if e["name"] == name]


# The former names of `received`, still used by tests written before tests/support.
events = received


def _in_own_context(method: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(self: SocketClient, *args: Any, **kwargs: Any) -> Any:
        hand_over()
        with self.app.app_context():
            return method(self, *args, **kwargs)

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


def _connect_recording_refusal(self: SocketClient, *args: Any, **kwargs: Any) -> Any:
    """Connect, keeping what a refusal says (`connect_error`'s data) in `self.refusal`: the
    test client of Flask-SocketIO drops it."""
    server = self.socketio.server
    send = server._send_packet
    self.refusal = None

    def recording(eio_sid: str, pkt: Any) -> Any:
        if eio_sid == self.eio_sid and pkt.packet_type == packet.CONNECT_ERROR:
            self.refusal = pkt.data
        return send(eio_sid, pkt)

    server._send_packet = recording
    try:
        return SocketIOTestClient.connect(self, *args, **kwargs)
    finally:
        server._send_packet = send


class SocketClient(SocketIOTestClient):
    """Flask-SocketIO's test client whose connect, events and disconnect each run in a fresh
    app context (their own database session), as they do on a server. A refused connect
    leaves the server's `{message, reason}` in `refusal`."""

    refusal: Any = None
    connect = _in_own_context(_connect_recording_refusal)
    disconnect = _in_own_context(SocketIOTestClient.disconnect)
    emit = _in_own_context(SocketIOTestClient.emit)
    send = _in_own_context(SocketIOTestClient.send)


class Sockets:
    """Opens test sockets on an app and disconnects them when the test ends.

    `connect(actor)` or `connect(token)` signs in with a token; `connect(auth=...)` sends any
    auth payload (or `None` for none). Connecting doesn't assert success: see `is_connected()`.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.opened: list[SocketClient] = []

    def connect(
        self,
        who: Any = None,
        *,
        auth: Any = ...,
        app: Flask | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        app = app or self.app
        if auth is ...:
            token = getattr(who, "token", who)
            auth = {"token": token} if token is not None else None
        bind_socketio(app)
        client = SocketClient(app, socketio, auth=auth, headers=headers)
        self.opened.append(client)
        return client

    def connected(self, who: Any, *, app: Flask | None = None) -> Any:
        """A socket that must be connected (fails the test otherwise)."""
        client = self.connect(who, app=app)
        assert client.is_connected(), client.get_received()
        return client

    def close_all(self) -> None:
        for client in self.opened:
            if client.is_connected():
                client.disconnect()
        self.opened.clear()


@contextmanager
def app_with_sockets(make_app: Callable[..., Flask], **config: Any) -> Iterator[Flask]:
    """A second app built with `config`, with its own `Sockets` as `app.sockets`, inside its
    context (for tests of limits the shared app does not have); its sockets closed after."""
    other = make_app(**config)
    other.sockets = Sockets(other)  # type: ignore[attr-defined]
    with other.app_context():
        yield other
        other.sockets.close_all()  # type: ignore[attr-defined]
