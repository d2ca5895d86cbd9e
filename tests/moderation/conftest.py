"""Moderation fixtures: a neighbourhood with a moderator, an author and reporters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from neighbours.extensions import db
from tests.meals.conftest import Kitchen


@pytest.fixture(autouse=True)
def _requests_end_like_production(app: Flask) -> None:
    """End each request's transaction, as the real app context teardown does.

    The test client shares the test's app context, so a request that failed after changing
    something would otherwise leave it in the session for the next request to commit.
    """

    @app.teardown_request
    def _end_transaction(_exc: BaseException | None) -> None:
        db.session.rollback()


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


@pytest.fixture
def kitchen(auth: Any) -> Kitchen:
    return Kitchen(auth)
