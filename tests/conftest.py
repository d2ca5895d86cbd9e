"""Fixtures: `app`, `client`, `api`, `db`, `auth`, `kitchen`, `sockets`, `make_app`,
`count_queries`. Everything they are built from lives in `tests/support/`.

One app per test session (per xdist worker). Each test runs inside a transaction that is
rolled back when it ends; the code under test may commit (savepoints). A test that needs real
commits (threads or processes sharing the database, several apps on Redis, migrations) says so
with `@pytest.mark.commits`, and the tables are emptied after it. Every request and socket event
runs in its own app context, as on a server; the test's own code has one for itself.

Tests marked `postgres` or `redis` need those services; they skip without them, and fail
instead when NEIGHBOURS_REQUIRE_SERVICES=1 (as in CI).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from neighbours.extensions import db as _db
from tests.support.api import Api
from tests.support.apps import build_app, restored
from tests.support.database import RolledBack, empty_tables, reset_schema, statements_of
from tests.support.events import hook_publisher
from tests.support.factories import Actor, Auth, Kitchen
from tests.support.settings import (
    DATABASE_URL,
    IS_POSTGRES,
    REDIS_URL,
    REQUIRE_SERVICES,
    TEST_PASSWORD,
    base_config,
    redis_up,
)
from tests.support.sockets import Sockets

# Names older tests imported from here; new tests import them from tests.support.
__all__ = [
    "DATABASE_URL",
    "IS_POSTGRES",
    "REDIS_URL",
    "REQUIRE_SERVICES",
    "TEST_PASSWORD",
    "Actor",
    "Auth",
    "base_config",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    redis_ok = redis_up()
    for item in items:
        missing = None
        if item.get_closest_marker("postgres") and not IS_POSTGRES:
            missing = "PostgreSQL (set DATABASE_URL)"
        elif item.get_closest_marker("redis") and not redis_ok:
            missing = "Redis (set REDIS_URL to a running Redis)"
        if missing is None:
            continue
        if REQUIRE_SERVICES:
            item.user_properties.append(("missing_service", missing))
        else:
            item.add_marker(pytest.mark.skip(reason=f"needs {missing}"))


def pytest_runtest_setup(item: pytest.Item) -> None:
    for name, value in item.user_properties:
        if name == "missing_service":
            pytest.fail(f"NEIGHBOURS_REQUIRE_SERVICES=1 but this test needs {value}")


@pytest.fixture(scope="session", autouse=True)
def _schema() -> None:
    reset_schema()


@pytest.fixture(autouse=True)
def _live_events_match_the_document(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Publishing an event /api/asyncapi.json does not describe fails the test at once."""
    if request.node.get_closest_marker("undescribed_events") is None:
        hook_publisher(monkeypatch)


@pytest.fixture(scope="session")
def shared_app(_schema: None) -> Flask:
    """The app every test of this worker uses."""
    return build_app()


@pytest.fixture(scope="session")
def _rolled_back(shared_app: Flask) -> RolledBack:
    return RolledBack(shared_app)


@pytest.fixture
def app(request: pytest.FixtureRequest, shared_app: Flask) -> Iterator[Flask]:
    """The shared app, with an app context for the test's own code; put back afterwards."""
    commits = request.node.get_closest_marker("commits") is not None
    with restored(shared_app):
        if commits:
            with shared_app.app_context():
                try:
                    yield shared_app
                finally:
                    _db.session.remove()
                    empty_tables()
        else:
            with request.getfixturevalue("_rolled_back").test(), shared_app.app_context():
                yield shared_app


@pytest.fixture
def make_app(app: Flask) -> Iterator[Callable[..., Flask]]:
    """Build extra apps with config overrides (rate limits on, Redis, ...).

    They share the test's database transaction (or, under `commits`, its cleaning).
    """
    built: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        made = build_app(**overrides)
        built.append(made)
        return made

    yield factory
    for made in built:
        with made.app_context():
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Flask's test client; each request runs in its own app context."""
    return app.test_client()


@pytest.fixture
def api(client: FlaskClient) -> Api:
    """The client of `/api/v1`: `api.get("/me", as_=actor)`."""
    return Api(client)


@pytest.fixture
def db(app: Flask) -> Any:
    return _db


@pytest.fixture
def auth(app: Flask) -> Auth:
    return Auth(app)


@pytest.fixture
def kitchen(auth: Auth) -> Kitchen:
    return Kitchen(auth)


@pytest.fixture
def count_queries(app: Flask) -> Any:
    """Count SQL statements run inside a `with count_queries() as counter:` block (the
    savepoints of the test's transaction are not counted: production runs none)."""
    connection = _db.session.get_bind()
    return statements_of(getattr(connection, "engine", connection))


@pytest.fixture
def sockets(app: Flask) -> Iterator[Sockets]:
    """Socket.IO test clients on the app, disconnected when the test ends."""
    opened = Sockets(app)
    yield opened
    opened.close_all()


@pytest.fixture
def requests_end_like_production() -> None:
    """Kept for older tests: every request now ends in its own app context."""
