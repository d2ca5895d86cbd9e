"""A pooled connection is pinged before use only after sitting idle (`database_events`)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text

from neighbours import database_events
from neighbours.extensions import db
from tests.support.settings import DATABASE_URL


def _pooled_backend(app) -> int:
    with app.app_context(), db.engine.connect() as conn:
        return conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()


def _kill(pid: int) -> None:
    admin = create_engine(DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


@pytest.mark.postgres
@pytest.mark.commits
def test_a_connection_that_died_while_idle_is_replaced_before_use(make_app):
    app = make_app(
        DATABASE_PING_AFTER_IDLE_SECONDS=0.2,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0},
    )
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    dead = _pooled_backend(app)
    _kill(dead)
    time.sleep(0.3)  # idle past the threshold: the next checkout pings, finds it dead
    r = client.get("/readyz")
    assert r.status_code == 200, r.get_json()
    assert _pooled_backend(app) != dead


@pytest.mark.postgres
@pytest.mark.commits
def test_a_connection_in_steady_use_is_not_pinged(make_app, monkeypatch):
    app = make_app(
        DATABASE_PING_AFTER_IDLE_SECONDS=60,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0},
    )
    with app.app_context():
        engine = db.engine
    pings = []
    original = engine.dialect.do_ping
    engine.dialect.do_ping = lambda dbapi_connection: pings.append(1) or original(dbapi_connection)
    try:
        client = app.test_client()
        for _ in range(5):
            assert client.get("/readyz").status_code == 200
        assert pings == []
        later = database_events._clock() + 120
        monkeypatch.setattr(database_events, "_clock", lambda: later)  # two minutes idle
        assert client.get("/readyz").status_code == 200
        assert pings == [1]
    finally:
        del engine.dialect.do_ping
