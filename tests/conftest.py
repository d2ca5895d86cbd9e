"""Fixtures: `app`, `client`, `db`, `auth`, and factories for models.

The database is SQLite (a temporary file) unless DATABASE_URL is set, then PostgreSQL. The
schema is built once per run by the real migrations; each test starts from empty tables.
Tests marked `postgres` or `redis` need those services; they skip without them, and fail
instead when NEIGHBOURS_REQUIRE_SERVICES=1 (as in CI).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from config.settings import normalise_database_url
from neighbours import create_app
from neighbours.extensions import db as _db

REQUIRE_SERVICES = os.environ.get("NEIGHBOURS_REQUIRE_SERVICES") == "1"
_tmpdir = tempfile.mkdtemp(prefix="neighbours-tests-")
DATABASE_URL = normalise_database_url(
    os.environ.get("DATABASE_URL") or f"sqlite:///{_tmpdir}/test.db"
)
REDIS_URL = os.environ.get("REDIS_URL") or None
IS_POSTGRES = DATABASE_URL.startswith("postgresql")
# Under pytest-xdist each worker gets its own PostgreSQL database (SQLite files are already
# per process): `test` becomes `test_gw0`, `test_gw1`, ...
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if IS_POSTGRES and _WORKER:
    from sqlalchemy.engine import make_url

    _url = make_url(DATABASE_URL)
    DATABASE_URL = _url.set(database=f"{_url.database}_{_WORKER}").render_as_string(
        hide_password=False
    )
TEST_PASSWORD = "a-long-and-unguessable-passphrase-42"


def base_config(**overrides: Any) -> dict[str, Any]:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "LIMITS_ENABLED": False,
        "SOCKETIO_ASYNC_MODE": "threading",
    }
    config.update(overrides)
    return config


def _redis_up() -> bool:
    if not REDIS_URL:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    redis_ok = _redis_up()
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


def _reset_schema() -> None:
    """Drop whatever a previous run left, then build the schema with the real migrations."""
    if IS_POSTGRES:
        from sqlalchemy.engine import make_url

        url = make_url(DATABASE_URL)
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            ).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{url.database}"'))
        admin.dispose()
        engine = create_engine(DATABASE_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    from flask_migrate import upgrade

    app = create_app(base_config())
    with app.app_context():
        upgrade(directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
        _db.engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _schema() -> None:
    _reset_schema()


def _empty_tables() -> None:
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as conn:
        if IS_POSTGRES:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def make_app() -> Iterator[Any]:
    """Build extra apps with config overrides (rate limits on, Redis, ...)."""
    built: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        app = create_app(base_config(**overrides))
        built.append(app)
        return app

    yield factory
    for app in built:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture
def app() -> Iterator[Flask]:
    app = create_app(base_config())
    with app.app_context():
        yield app
        _db.session.remove()
        _empty_tables()
        _db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def db(app: Flask) -> Any:
    return _db


@dataclass
class Actor:
    """A signed-in person in a test: their id, token and ready-made headers."""

    id: int
    email: str
    token: str
    display_name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


_FAST_HASH: dict[str, str] = {}


def _password_hash() -> str:
    # argon2id is deliberately slow; hash the shared test password once per run.
    if "h" not in _FAST_HASH:
        from neighbours.auth import hash_password

        _FAST_HASH["h"] = hash_password(TEST_PASSWORD)
    return _FAST_HASH["h"]


class Auth:
    """Factories for people, neighbourhoods and memberships, bypassing the slow paths."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._n = 0

    def user(self, name: str | None = None, **fields: Any) -> Actor:
        from neighbours.accounts.models import User
        from neighbours.auth import issue_token

        self._n += 1
        name = name or f"Neighbour {self._n}"
        email = fields.pop("email", f"user{self._n}-{id(self)}@example.org")
        user = User(
            email=email,
            password_hash=_password_hash(),
            display_name=name,
            languages=fields.pop("languages", []),
            diets=fields.pop("diets", []),
            allergens=fields.pop("allergens", []),
            **fields,
        )
        _db.session.add(user)
        _db.session.flush()
        token, _ = issue_token(user)
        _db.session.commit()
        return Actor(user.id, email, token, name)

    def token_for(self, actor: Actor) -> str:
        from neighbours.accounts.models import User
        from neighbours.auth import issue_token

        token, _ = issue_token(_db.session.get(User, actor.id))
        _db.session.commit()
        return token

    def neighbourhood(
        self,
        moderator: Actor | None = None,
        *,
        name: str | None = None,
        join_policy: str = "open",
        latitude: float = 45.7745,
        longitude: float = 4.832,
    ) -> Any:
        from neighbours.neighbourhoods.models import (
            JoinPolicy,
            Membership,
            MembershipStatus,
            Neighbourhood,
            Role,
        )

        self._n += 1
        moderator = moderator or self.user(f"Moderator {self._n}")
        neighbourhood = Neighbourhood(
            name=name or f"Quartier {self._n}",
            description="",
            city="Lyon",
            latitude=latitude,
            longitude=longitude,
            radius_m=1000,
            join_policy=JoinPolicy(join_policy),
            created_by_id=moderator.id,
        )
        _db.session.add(neighbourhood)
        _db.session.flush()
        _db.session.add(
            Membership(
                neighbourhood_id=neighbourhood.id,
                user_id=moderator.id,
                role=Role.MODERATOR,
                status=MembershipStatus.ACTIVE,
            )
        )
        _db.session.commit()
        neighbourhood.moderator = moderator
        return neighbourhood

    def member(
        self,
        neighbourhood: Any,
        actor: Actor | None = None,
        *,
        role: str = "member",
        status: str = "active",
        **user_fields: Any,
    ) -> Actor:
        from neighbours.neighbourhoods.models import Membership, MembershipStatus, Role

        actor = actor or self.user(**user_fields)
        _db.session.add(
            Membership(
                neighbourhood_id=neighbourhood.id,
                user_id=actor.id,
                role=Role(role),
                status=MembershipStatus(status),
            )
        )
        _db.session.commit()
        return actor


@pytest.fixture
def auth(app: Flask) -> Auth:
    return Auth(app)


@pytest.fixture
def count_queries(app: Flask) -> Any:
    """Count SQL statements run inside a `with count_queries() as counter:` block."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counter() -> Iterator[list[str]]:
        statements: list[str] = []

        def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement)

        event.listen(_db.engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(_db.engine, "before_cursor_execute", before)

    return counter


class Sockets:
    """Socket.IO test clients opened by a test, disconnected when it ends."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.opened: list[Any] = []

    def connect(self, actor: Actor) -> Any:
        from neighbours.extensions import socketio

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
