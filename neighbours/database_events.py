"""Engine-level setup: what differs by database, and when a pooled connection is pinged."""

from __future__ import annotations

import math
import time
from typing import Any

from flask import Flask
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

from neighbours.extensions import db


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # SQLite lacks the trigonometry the "nearest neighbourhood" query uses on PostgreSQL, and
    # enforces foreign keys only when asked.
    for name, fn in (
        ("sin", math.sin),
        ("cos", math.cos),
        ("asin", math.asin),
        ("sqrt", math.sqrt),
        ("radians", math.radians),
    ):
        dbapi_connection.create_function(name, 1, fn, deterministic=True)
    dbapi_connection.create_function("least", 2, min, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


_RETURNED = "neighbours.returned_at"
_clock = time.monotonic


def ping_after_idle(engine: Engine, seconds: float) -> None:
    """Ping a pooled connection before lending it only when it sat unused for `seconds`.

    SQLAlchemy's `pool_pre_ping` pings at every checkout: a round trip per request, one of the
    five a feed page made. A connection in steady use proves itself on every request; one idle
    for a while (the database may have restarted meanwhile) is pinged, and replaced if dead.
    A restart while connections are busy costs the requests that hit it, as with the pre-ping
    (the pool is then renewed at the first disconnection it sees).
    """

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED] = _clock()

    @event.listens_for(engine, "checkout")
    def _lent(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get(_RETURNED)
        if returned is None or _clock() - returned < seconds:
            return  # new (just connected), or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError("a pooled connection failed its ping") from error


def init_app(app: Flask) -> None:
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_connect)
        idle = app.config.get("DATABASE_PING_AFTER_IDLE_SECONDS")
        pinged = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("pool_pre_ping")
        if idle is not None and not pinged:
            ping_after_idle(engine, idle)
