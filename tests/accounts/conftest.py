"""Fixtures for the accounts tests: registering through the API, and spoiling tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.support.settings import STRONG_PASSWORD, TEST_PASSWORD


@pytest.fixture
def register(api: Any) -> Any:
    """POST /auth/register with sensible defaults; returns the response."""

    def post(**fields: Any) -> Any:
        body = {
            "email": "ana@example.org",
            "password": STRONG_PASSWORD,
            "display_name": "Ana",
        }
        body.update(fields)
        return api.post("/auth/register", json=body)

    return post


@pytest.fixture
def login(api: Any) -> Any:
    def post(email: str, password: str = TEST_PASSWORD, **kwargs: Any) -> Any:
        return api.post("/auth/login", json={"email": email, "password": password}, **kwargs)

    return post


@pytest.fixture
def spoil_token(db: Any) -> Any:
    """Expire or revoke the session behind a plaintext token, straight in the database."""
    from neighbours.accounts.models import AccessToken
    from neighbours.auth import hash_token
    from neighbours.database import utcnow

    def spoil(token: str, *, expire: bool = False, revoke: bool = False) -> None:
        row = db.session.query(AccessToken).filter_by(token_hash=hash_token(token)).one()
        if expire:
            row.expires_at = utcnow() - timedelta(seconds=1)
        if revoke:
            row.revoked_at = utcnow()
        db.session.commit()

    return spoil


@pytest.fixture
def cheap_argon2(monkeypatch: pytest.MonkeyPatch, db: Any) -> Any:
    """argon2id with the lowest cost, for tests that log in many times (throttling).

    Returns a function that gives a user (an `Actor`) a cheap hash of the test password.
    """
    from argon2 import PasswordHasher

    from neighbours import auth as auth_module
    from neighbours.accounts.models import User

    hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(auth_module, "_hasher", hasher)
    monkeypatch.setattr(auth_module, "_DUMMY_HASH", hasher.hash("not anyone's password"))

    def cheapen(actor: Any) -> Any:
        db.session.get(User, actor.id).password_hash = hasher.hash(TEST_PASSWORD)
        db.session.commit()
        return actor

    return cheapen
