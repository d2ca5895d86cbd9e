"""Moderation fixtures: a neighbourhood with a moderator, an author and reporters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class Quartier:
    """A neighbourhood: its moderator, an author (Alice), three reporters, and elsewhere."""

    id: int
    neighbourhood: Any
    moderator: Any
    alice: Any
    bob: Any
    carol: Any
    dave: Any
    other: Any  # another neighbourhood
    outsider: Any  # a member of the other neighbourhood only
    other_moderator: Any

    @property
    def reporters(self) -> list[Any]:
        return [self.bob, self.carol, self.dave]


@pytest.fixture
def quartier(auth: Any) -> Quartier:
    neighbourhood = auth.neighbourhood(name="Croix-Rousse")
    alice = auth.member(neighbourhood, name="Alice")
    bob = auth.member(neighbourhood, name="Bob")
    carol = auth.member(neighbourhood, name="Carol")
    dave = auth.member(neighbourhood, name="Dave")
    other = auth.neighbourhood(name="Confluence")
    outsider = auth.member(other, name="Olga")
    return Quartier(
        neighbourhood.id,
        neighbourhood,
        neighbourhood.moderator,
        alice,
        bob,
        carol,
        dave,
        other,
        outsider,
        other.moderator,
    )
