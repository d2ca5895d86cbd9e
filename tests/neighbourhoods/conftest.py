"""Fixtures for the neighbourhoods tests."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def new_neighbourhood() -> Any:
    """A valid body for POST /neighbourhoods, with overrides."""

    def body(**fields: Any) -> dict[str, Any]:
        data = {
            "name": "Croix-Rousse",
            "description": "Les pentes et le plateau",
            "city": "Lyon",
            "latitude": 45.7745,
            "longitude": 4.832,
            "radius_m": 1200,
            "join_policy": "open",
        }
        data.update(fields)
        return data

    return body


@pytest.fixture
def membership_of(db: Any) -> Any:
    """The (status, role) of a user's membership in a neighbourhood, read from the database."""
    from sqlalchemy import text

    def read(neighbourhood_id: int, user_id: int) -> tuple[str, str] | None:
        row = db.session.execute(
            text(
                "SELECT status, role FROM memberships WHERE neighbourhood_id = :n AND user_id = :u"
            ),
            {"n": neighbourhood_id, "u": user_id},
        ).one_or_none()
        return None if row is None else (row.status, row.role)

    return read
