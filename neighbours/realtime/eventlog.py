"""Writing the event log in the causing transaction, and reading it back for a replay.

Ids are given in commit order: on PostgreSQL the rows are inserted under a transaction-scoped
advisory lock taken just before the commit (after the last flush, so it waits on no row lock
while held), so no transaction can commit an id lower than one already visible. SQLite lets one
writer at a time anyway. "Every event after id N" is then a catch-up with no gap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import (
    ColumnElement,
    Connection,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.orm import Session

from neighbours.database import utcnow
from neighbours.realtime.models import LoggedEvent

# pg_advisory_xact_lock key of the event log's writers ("evlg").
WRITE_LOCK = 0x65766C67
_TABLE = LoggedEvent.__table__


def enabled(app: Flask | None = None) -> bool:
    if app is None:
        if not has_app_context():
            return False
        app = current_app
    return bool(app.config.get("EVENT_LOG_ENABLED", True))


Row = tuple[str, Any, list[str], str | None, int | None]


def write(session: Session, events: list[Row]) -> list[int]:
    """Insert (name, payload, rooms, subject, author_id) rows in one statement, in the
    session's transaction, and return their ids in the same order; first redact the logged
    events these supersede (`_redact_superseded`). Call it last thing before the commit."""
    now = utcnow()
    rows = [
        {
            "name": n,
            "payload": p,
            "rooms": r,
            "created_at": now,
            "subject": subject,
            "author_id": author,
        }
        for n, p, r, subject, author in events
    ]
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK})
        _redact_superseded(session, events)
        result = session.execute(
            insert(_TABLE).returning(_TABLE.c.id, sort_by_parameter_order=True), rows
        )
        return [row[0] for row in result]
    _redact_superseded(session, events)
    # SQLite: one INSERT ... VALUES (...), (...) gives its rows increasing rowids in order
    # (SQLAlchemy would send one statement per row to return them in order).
    result = session.execute(insert(_TABLE).values(rows).returning(_TABLE.c.id))
    return sorted(row[0] for row in result)


# A redacted row keeps its id (the log's ids stay dense for the reset checks) but goes to no
# room and says nothing.
_REDACTED: dict[str, Any] = {"payload": {}, "rooms": [], "subject": None, "author_id": None}


def _parts_of(subject: str) -> ColumnElement[bool]:
    """The logged events about a part of `subject` ("post:6/comment:9" of "post:6")."""
    return _TABLE.c.subject.startswith(f"{subject}/", autoescape=True)


def _redact_superseded(session: Session, events: list[Row]) -> None:
    """A new event about a subject takes the place of the logged ones about it; a removal
    (`...:removed`) also of those about its parts (a post's comments and reactions)."""
    conditions = []
    for name, _payload, _rooms, subject, _author in events:
        # A creation is the first event about its subject (or, for content a moderator
        # restores, follows a removal that carries nothing to take back): nothing to redact,
        # and no UPDATE under the log's lock on the busiest writes (posts, messages).
        if subject is None or name.endswith(":created"):
            continue
        conditions.append(_TABLE.c.subject == subject)
        if name.endswith(":removed"):
            conditions.append(_parts_of(subject))
    if conditions:
        session.execute(update(_TABLE).where(or_(*conditions)).values(**_REDACTED))


def redact(session: Session, subject: str) -> int:
    """Redact the logged events about `subject` and its parts (content a moderator took away
    without an event of its own)."""
    about = or_(_TABLE.c.subject == subject, _parts_of(subject))
    result = session.execute(update(_TABLE).where(about).values(**_REDACTED))
    return int(result.rowcount or 0)


def forget_author(session: Session, user_id: int) -> int:
    """Redact every logged event carrying the words or the name of `user_id` (their account is
    being deleted: a replay must not give back what the API no longer shows)."""
    result = session.execute(
        update(_TABLE).where(_TABLE.c.author_id == user_id).values(**_REDACTED)
    )
    return int(result.rowcount or 0)


def with_id(payload: Any, event_id: int) -> Any:
    """The payload as sent: a JSON object with its `event_id` added."""
    if isinstance(payload, dict):
        return {**payload, "event_id": event_id}
    return payload


def _in_rooms(rooms: list[str], dialect: str) -> ColumnElement[bool]:
    if dialect == "postgresql":
        return _TABLE.c.rooms.op("?|")(array(rooms))
    each = func.json_each(_TABLE.c.rooms).table_valued("value")
    return exists(select(literal(1)).select_from(each).where(each.c.value.in_(rooms)))


@dataclass
class Catchup:
    """What a client that last saw `after` must receive: the events, or a reset."""

    reset: bool
    events: list[dict[str, Any]] = field(default_factory=list)
    # The newest event id there is (a reset client continues from it).
    last_event_id: int = 0


def _row(row: Any) -> dict[str, Any]:
    return {
        "event_id": row.id,
        "name": row.name,
        "payload": with_id(row.payload, row.id),
        "created_at": row.created_at,
    }


def catch_up(
    conn: Session | Connection, after: int, rooms: list[str], *, limit: int | None = None
) -> Catchup:
    """The events after id `after` that went to any of `rooms`, oldest first, at most `limit`
    (default: all of them, up to `EVENT_REPLAY_MAX`).

    A reset instead when more than `EVENT_REPLAY_MAX` of them follow, when events after
    `after` may have been pruned (older than `EVENT_RETENTION_HOURS`), or when `after` is
    beyond the newest event (the log was reset, or the id is not one of ours).
    """
    config = current_app.config
    bound = int(config["EVENT_REPLAY_MAX"])
    dialect = conn.dialect.name if isinstance(conn, Connection) else conn.get_bind().dialect.name
    oldest, newest = conn.execute(select(func.min(_TABLE.c.id), func.max(_TABLE.c.id))).one()
    newest = newest or 0
    if after > newest or (oldest is not None and oldest > after + 1 and after < newest):
        return Catchup(reset=True, last_event_id=newest)
    horizon = utcnow() - timedelta(hours=float(config["EVENT_RETENTION_HOURS"]))
    query = (
        select(_TABLE.c.id, _TABLE.c.name, _TABLE.c.payload, _TABLE.c.created_at)
        .where(_TABLE.c.id > after, _in_rooms(rooms, dialect))
        .order_by(_TABLE.c.id)
    )
    if after < newest:
        first = conn.execute(
            select(_TABLE.c.created_at).where(_TABLE.c.id > after).order_by(_TABLE.c.id).limit(1)
        ).scalar()
        if first is not None and first < horizon:
            return Catchup(reset=True, last_event_id=newest)
    rows = conn.execute(query.limit(bound + 1)).all()
    if len(rows) > bound:
        return Catchup(reset=True, last_event_id=newest)
    if limit is not None:
        rows = rows[:limit]
    return Catchup(reset=False, events=[_row(r) for r in rows], last_event_id=newest)


def prune(conn: Session | Connection, app: Flask, now: datetime | None = None) -> int:
    """Delete the events older than the retention (as of `now`); returns how many."""
    now = now or utcnow()
    horizon = now - timedelta(hours=float(app.config["EVENT_RETENTION_HOURS"]))
    result = conn.execute(delete(_TABLE).where(_TABLE.c.created_at < horizon))
    return int(result.rowcount or 0)
