"""The test database: built once by the migrations, then either rolled back or emptied per test.

Most tests run inside one transaction on one connection that is rolled back when they end.
Every session the app opens (one per request, one for the test's own code) joins it with
`join_transaction_mode="create_savepoint"`: the code under test commits and rolls back its own
savepoints, and nothing it does outlives the test. Tests marked `commits` use the real engine
and real commits instead, and the tables are emptied after them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import OperationalError

from neighbours import create_app
from neighbours.database_events import _sqlite_connect
from neighbours.extensions import db
from tests.support.settings import DATABASE_URL, IS_POSTGRES, MIGRATIONS, base_config

# Statements the savepoint mode adds around what the app runs; production never counts them.
TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN")


def reset_schema() -> None:
    """Drop whatever a previous run left, then build the schema with the real migrations."""
    if IS_POSTGRES:
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
        upgrade(directory=MIGRATIONS)
        db.engine.dispose()


def empty_tables() -> None:
    """Empty every table through the current app's engine (ids start again from 1).

    A server process a test started may still be finishing work on these tables (the flood
    test leaves a gunicorn worker answering queued events): PostgreSQL can then pick the
    TRUNCATE as a deadlock victim, so it is tried again once the other side has moved on.
    """
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    for attempt in range(5):
        try:
            with db.engine.begin() as conn:
                if IS_POSTGRES:
                    conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
                else:
                    for name in tables:
                        conn.execute(text(f"DELETE FROM {name}"))
            return
        except OperationalError as exc:
            if attempt == 4 or "deadlock" not in str(exc.orig).lower():
                raise
            time.sleep(0.5 * (attempt + 1))


class _JoinedSession(FlaskSession):
    """A Flask-SQLAlchemy session that runs on the test's connection.

    Flask-SQLAlchemy picks the app's engine whatever `bind` says; this one answers with the
    test's connection for any app on the same database (apps from `make_app` included), and
    refuses other threads: one connection can't serve two at once, and such a test needs
    `@pytest.mark.commits`.
    """

    test_connection: Connection
    test_thread: int

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kw: Any) -> Any:
        engine = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kw)
        if str(getattr(engine, "url", "")) != str(self.test_connection.engine.url):
            return engine  # another database (a migrations test's own file): leave it be
        if threading.get_ident() != self.test_thread:
            raise RuntimeError(
                "another thread used the database of a rolled-back test; "
                "mark the test @pytest.mark.commits"
            )
        return self.test_connection


class RolledBack:
    """One connection per test inside a transaction that is rolled back at its end."""

    def __init__(self, app: Flask) -> None:
        with app.app_context():
            self.engine = self._engine(db.engine)
            self._sequences = self._sequence_reset(self.engine)

    @staticmethod
    def _engine(app_engine: Engine) -> Engine:
        if not IS_POSTGRES:
            # pysqlite runs SAVEPOINT outside any transaction unless told to leave BEGIN to
            # SQLAlchemy: the recipe from SQLAlchemy's SQLite docs, on an engine of the tests'.
            engine = create_engine(app_engine.url, connect_args={"timeout": 30})

            @event.listens_for(engine, "connect")
            def _connect(dbapi_connection: Any, record: Any) -> None:
                _sqlite_connect(dbapi_connection, record)
                dbapi_connection.isolation_level = None

            @event.listens_for(engine, "begin")
            def _begin(conn: Connection) -> None:
                conn.exec_driver_sql("BEGIN")

            return engine
        return app_engine

    @staticmethod
    def _sequence_reset(engine: Engine) -> str | None:
        """One statement that sets every sequence back to 1, as TRUNCATE RESTART IDENTITY does
        (a rolled-back insert still uses up its id on PostgreSQL)."""
        if not IS_POSTGRES:
            return None  # SQLite reuses rolled-back rowids
        with engine.connect() as conn:
            names = conn.execute(
                text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")
            ).scalars()
            calls = [f"setval('{name}', 1, false)" for name in names]
        return f"SELECT {', '.join(calls)}" if calls else None

    @contextmanager
    def test(self) -> Iterator[Connection]:
        connection = self.engine.connect()
        transaction = connection.begin()
        if self._sequences:
            connection.exec_driver_sql(self._sequences)
        original = db.session
        joined = type(
            "JoinedSession",
            (_JoinedSession,),
            {"test_connection": connection, "test_thread": threading.get_ident()},
        )
        db.session = db._make_scoped_session(
            {"class_": joined, "join_transaction_mode": "create_savepoint"}
        )
        try:
            yield connection
        finally:
            # Each app context removed its own session when it ended.
            db.session = original
            transaction.rollback()
            connection.close()


def statements_of(engine: Engine) -> Any:
    """`with statements_of(engine)() as seen:` lists the SQL the app runs inside the block."""

    @contextmanager
    def counter() -> Iterator[list[str]]:
        statements: list[str] = []

        def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
                statements.append(statement)

        event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counter
