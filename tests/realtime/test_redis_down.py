"""With Redis unreachable, live updates are lost but requests and data are not."""

from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import create_engine, text

from tests.support.factories import Auth
from tests.support.settings import DATABASE_URL

# Real commits: what reaches the database is read back through another connection.
pytestmark = pytest.mark.commits

CLOSED_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def down(app, make_app):
    """An app whose REDIS_URL points at a closed port; tables are emptied by `app`."""
    broken = make_app(REDIS_URL=CLOSED_REDIS, RATELIMIT_STORAGE_URI="memory://")
    with broken.app_context():
        yield broken


def _committed(sql: str, **params):
    """Read through a separate connection: only committed data is visible there."""
    engine = create_engine(DATABASE_URL)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).all()
    finally:
        engine.dispose()


def test_a_failed_emit_is_logged_and_the_approval_still_commits(down, caplog):
    auth = Auth(down)
    quartier = auth.neighbourhood(join_policy="approval")
    me = auth.member(quartier, status="pending")
    client = down.test_client()

    caplog.set_level(logging.ERROR, logger="neighbours")
    started = time.monotonic()
    r = client.post(
        f"/api/v1/neighbourhoods/{quartier.id}/members/{me.id}/approve",
        headers=quartier.moderator.headers,
    )
    elapsed = time.monotonic() - started

    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "active"
    assert elapsed < 5, "a dead Redis must not hold the request up"
    status = _committed(
        "SELECT status FROM memberships WHERE user_id = :u AND neighbourhood_id = :n",
        u=me.id,
        n=quartier.id,
    )
    assert [s[0].lower() for s in status] == ["active"]
    assert len(_committed("SELECT id FROM notifications WHERE user_id = :u", u=me.id)) == 1
    failures = [
        rec.getMessage() for rec in caplog.records if rec.name.startswith("neighbours.realtime")
    ]
    assert any("notification:created" in m and f"user:{me.id}" in m for m in failures), failures
    assert any("sync_rooms" in m for m in failures), failures
    # The member sees it over REST: the database is the truth.
    items = client.get("/api/v1/notifications", headers=me.headers).get_json()["items"]
    assert [n["type"] for n in items] == ["membership_approved"]


def test_logout_with_redis_down_still_revokes_the_token(down, caplog):
    me = Auth(down).user()
    client = down.test_client()
    caplog.set_level(logging.ERROR, logger="neighbours")

    assert client.post("/api/v1/auth/logout", headers=me.headers).status_code == 204

    assert client.get("/api/v1/me", headers=me.headers).status_code == 401
    assert any("disconnect" in rec.getMessage() for rec in caplog.records)


def test_readyz_is_503_naming_redis_when_it_is_unreachable(down):
    r = down.test_client().get("/readyz")

    assert r.status_code == 503
    body = r.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("unreachable")


def test_readyz_without_redis_configured_checks_only_the_database(client):
    r = client.get("/readyz")

    assert r.status_code == 200
    assert r.get_json()["checks"] == {"database": "ok"}
