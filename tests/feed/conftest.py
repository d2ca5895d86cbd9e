"""Feed fixtures: a neighbourhood with members, a way to post, and live sockets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest


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
