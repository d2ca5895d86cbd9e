"""Engine-level setup that differs by database."""

from __future__ import annotations

import math
from typing import Any

from flask import Flask
from sqlalchemy import event
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


def init_app(app: Flask) -> None:
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_connect)
