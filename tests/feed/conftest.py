"""Feed fixtures: a neighbourhood with members, a way to post, and live sockets."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from neighbours.extensions import socketio


@dataclass
class Quartier:
    """A neighbourhood with its moderator and two members, plus an outsider elsewhere."""

    id: int
    moderator: Any
    alice: Any
    bob: Any
    outsider: Any
    other_id: int
    neighbourhood: Any


@pytest.fixture
def quartier(auth: Any) -> Quartier:
    neighbourhood = auth.neighbourhood(name="Croix-Rousse")
    alice = auth.member(neighbourhood, name="Alice")
    bob = auth.member(neighbourhood, name="Bob")
    elsewhere = auth.neighbourhood(name="Confluence")
    outsider = auth.member(elsewhere, name="Olga")
    return Quartier(
        neighbourhood.id, neighbourhood.moderator, alice, bob, outsider, elsewhere.id, neighbourhood
    )


class Sockets:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.opened: list[Any] = []

    def connect(self, actor: Any) -> Any:
        client = socketio.test_client(self.app, auth={"token": actor.token})
        assert client.is_connected()
        self.opened.append(client)
        return client


@pytest.fixture
def sockets(app: Flask) -> Iterator[Sockets]:
    opened = Sockets(app)
    yield opened
    for client in opened.opened:
        if client.is_connected():
            client.disconnect()
