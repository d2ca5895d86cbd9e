"""Socket.IO test clients on the test's app: each event in its own app context, always closed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_socketio.test_client import SocketIOTestClient

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


class SocketClient(SocketIOTestClient):
    """Flask-SocketIO's test client whose connect, events and disconnect each run in a fresh
    app context (their own database session), as they do on a server."""

    connect = _in_own_context(SocketIOTestClient.connect)
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

    def connect(self, who: Any = None, *, auth: Any = ..., app: Flask | None = None) -> Any:
        app = app or self.app
        if auth is ...:
            token = getattr(who, "token", who)
            auth = {"token": token} if token is not None else None
        bind_socketio(app)
        client = SocketClient(app, socketio, auth=auth)
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
