"""Claiming a unique row: how a task that may run twice (or on two consumers at once) does
its thing once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session


def claim_once(session: Session, table: Table, **values: Any) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING: True for the one caller whose row went in.

    Call it in the transaction that does the thing (sends the reminder): a concurrent
    claimer of the same key waits for that transaction (PostgreSQL's unique index, SQLite's
    write lock), then finds the row and gets False; a rollback gives the claim back.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    # RETURNING, not rowcount: the driver's count of an INSERT is not to be trusted here
    # (psycopg reports -1 once SQLAlchemy adds its own RETURNING of the key).
    statement = insert(table).values(**values).on_conflict_do_nothing()
    return session.execute(statement.returning(*table.primary_key.columns)).first() is not None
