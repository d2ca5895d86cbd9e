"""Socket.IO test clients for the live layer, always disconnected after the test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from neighbours.extensions import socketio


class Sockets:
    """Opens Flask-SocketIO test clients on the test's app and closes them afterwards."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.opened: list[Any] = []

    def connect(self, token: str | None = None, *, auth: Any = ...) -> Any:
        if auth is ...:
            auth = {"token": token} if token is not None else None
        client = socketio.test_client(self.app, auth=auth)
        self.opened.append(client)
        return client


def events(client: Any, name: str) -> list[Any]:
    """The payloads of the `name` events a test client received since last asked."""
    return [e["args"][0] for e in client.get_received() if e["name"] == name]


@pytest.fixture
def sockets(app: Flask) -> Iterator[Sockets]:
    opened = Sockets(app)
    yield opened
    for client in opened.opened:
        if client.is_connected():
            client.disconnect()
