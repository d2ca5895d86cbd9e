"""Where the tests run: the database, Redis, and the config every test app starts from.

The database is SQLite (a temporary file) unless DATABASE_URL is set, then PostgreSQL. Under
pytest-xdist each worker gets its own PostgreSQL database (`test` becomes `test_gw0`, ...);
SQLite files are already per process.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from sqlalchemy.engine import make_url

from config.settings import normalise_database_url

REQUIRE_SERVICES = os.environ.get("NEIGHBOURS_REQUIRE_SERVICES") == "1"
_tmpdir = tempfile.mkdtemp(prefix="neighbours-tests-")
DATABASE_URL = normalise_database_url(
    os.environ.get("DATABASE_URL") or f"sqlite:///{_tmpdir}/test.db"
)
REDIS_URL = os.environ.get("REDIS_URL") or None
IS_POSTGRES = DATABASE_URL.startswith("postgresql")
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if IS_POSTGRES and _WORKER:
    _url = make_url(DATABASE_URL)
    DATABASE_URL = _url.set(database=f"{_url.database}_{_WORKER}").render_as_string(
        hide_password=False
    )
TEST_PASSWORD = "a-long-and-unguessable-passphrase-42"
MIGRATIONS = os.path.join(os.path.dirname(__file__), "..", "..", "migrations")


def base_config(**overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "LIMITS_ENABLED": False,
        "SOCKETIO_ASYNC_MODE": "threading",
        # No relay thread on the tests' shared connection; tests of the relay run it.
        "EVENT_RELAY_SECONDS": 0,
    }
    config.update(overrides)
    return config


def redis_up() -> bool:
    if not REDIS_URL:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


STRONG_PASSWORD = "correct horse battery staple"
