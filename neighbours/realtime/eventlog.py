"""Writing the event log in the causing transaction, and reading it back for a replay.

Ids are given in commit order: on PostgreSQL the rows are inserted under a transaction-scoped
advisory lock taken just before the commit (after the last flush, so it waits on no row lock
while held), so no transaction can commit an id lower than one already visible. SQLite lets one
writer at a time anyway. "Every event after id N" is then a catch-up with no gap.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
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


# Events the log keeps as a reference, rendered anew for their reader when replayed: name ->
# render(reader_id, stored payloads) -> the payloads as sent, None for one the reader may no
# longer have (filled per app by the features, through `neighbours.wiring`).
Renderer = Callable[[int, list[Any]], list[Any]]
_RENDERERS = "neighbours.event_renderers"


def set_renderer(app: Flask, name: str, render: Renderer) -> None:
    """Replay `name` through `render`: for an event sent to one person's room whose payload
    names others, or quotes what may change (the log keeps only a reference)."""
    app.extensions.setdefault(_RENDERERS, {})[name] = render


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
    events these supersede (`_superseded`). Call it last thing before the commit."""
    now = utcnow()
    rows = [
        {
            "name": n,
            "payload": p,
            "rooms": r,
            "created_at": now,
            "subject": subject,
            "topic": subject.split("/", 1)[0] if subject else None,
            "author_id": author,
        }
        for n, p, r, subject, author in events
    ]
    postgres = session.get_bind().dialect.name == "postgresql"
    redactions = _superseded(events)
    if redactions is not None:
        if postgres:  # the log's lock before its UPDATE (the INSERT takes it again: a no-op)
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK})
        session.execute(update(_TABLE).where(redactions).values(**_REDACTED))
    if postgres:
        # The lock and the INSERT in one statement: with nothing to redact, the log's lock
        # (and whatever row lock the transaction holds, a meal's in a rush for seats) is held
        # for that one round trip and the commit.
        return _insert_locked(session, rows)
    # SQLite: one INSERT ... VALUES (...), (...) gives its rows increasing rowids in order
    # (SQLAlchemy would send one statement per row to return them in order).
    result = session.execute(insert(_TABLE).values(rows).returning(_TABLE.c.id))
    return sorted(row[0] for row in result)


# A redacted row keeps its id (the log's ids stay dense for the reset checks) but goes to no
# room and says nothing.
_REDACTED: dict[str, Any] = {
    "payload": {},
    "rooms": [],
    "subject": None,
    "topic": None,
    "author_id": None,
}


def _about(subject: str) -> ColumnElement[bool]:
    """The logged events about `subject` and its parts ("post:6/comment:9" of "post:6"),
    found through the `topic` index."""
    root = subject.split("/", 1)[0]
    if root == subject:
        return _TABLE.c.topic == subject
    within = _TABLE.c.subject.startswith(f"{subject}/", autoescape=True)
    return and_(_TABLE.c.topic == root, or_(_TABLE.c.subject == subject, within))


# One statement, compiled once: the lock's one row joined to the rows given as one JSON array
# (a VALUES list built per call cost more to compile than the round trip it saves).
_INSERT_LOCKED = text(
    "INSERT INTO events (name, payload, rooms, created_at, subject, topic, author_id) "
    "SELECT given.name, given.payload, given.rooms, :created_at, given.subject, given.topic, "
    "given.author_id "
    "FROM pg_advisory_xact_lock(:key) AS locked, "
    "jsonb_to_recordset(CAST(:rows AS jsonb)) AS given(place int, name varchar, payload json, "
    "rooms jsonb, subject varchar, topic varchar, author_id int) "
    "ORDER BY given.place RETURNING id"
)


def _insert_locked(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """`INSERT INTO events ... SELECT ... FROM pg_advisory_xact_lock(key), <the rows>`: every
    row joins the lock's one row, so the lock is taken before the first id is drawn; the rows
    go in by their place in `rows` (ORDER BY), so their ids increase in that order."""
    # `created_at` is one value for them all (a parameter of its own, not JSON).
    given = [
        {"place": i, **{k: v for k, v in r.items() if k != "created_at"}}
        for i, r in enumerate(rows)
    ]
    result = session.execute(
        _INSERT_LOCKED,
        {"created_at": rows[0]["created_at"], "key": WRITE_LOCK, "rows": json.dumps(given)},
    )
    return sorted(row[0] for row in result)


def _superseded(events: list[Row]) -> ColumnElement[bool] | None:
    """What these events redact, or None for nothing: a new event about a subject takes the
    place of the logged ones about it; a removal (`...:removed`) also of those about its parts
    (a post's comments and reactions)."""
    conditions = []
    for name, _payload, _rooms, subject, _author in events:
        # A creation is the first event about its subject (or, for content a moderator
        # restores, follows a removal that carries nothing to take back): nothing to redact,
        # and no UPDATE under the log's lock on the busiest writes (posts, messages).
        if subject is None or name.endswith(":created"):
            continue
        if name.endswith(":removed"):
            conditions.append(_about(subject))
        else:
            conditions.append(_TABLE.c.subject == subject)
    return or_(*conditions) if conditions else None


def redact(session: Session, subject: str) -> int:
    """Redact the logged events about `subject` and its parts (content a moderator took away
    without an event of its own)."""
    result = session.execute(update(_TABLE).where(_about(subject)).values(**_REDACTED))
    return int(result.rowcount or 0)


def forget_author(session: Session, user_id: int) -> int:
    """Redact every logged event carrying the words or the name of `user_id` (their account is
    being deleted: a replay must not give back what the API no longer shows)."""
    result = session.execute(
        update(_TABLE).where(_TABLE.c.author_id == user_id).values(**_REDACTED)
    )
    return int(result.rowcount or 0)


def _renamed(value: Any, person: dict[str, Any]) -> tuple[Any, bool]:
    """`value` with every embedded copy of `person` (a dict with its id and a display name)
    replaced by it; and whether anything changed."""
    if isinstance(value, dict):
        if value.get("id") == person["id"] and "display_name" in value:
            fresh = {**value, **{k: v for k, v in person.items() if k in value}}
            return fresh, fresh != value
        changed = False
        out = {}
        for key, item in value.items():
            out[key], did = _renamed(item, person)
            changed = changed or did
        return out, changed
    if isinstance(value, list):
        pairs = [_renamed(item, person) for item in value]
        return [item for item, _ in pairs], any(did for _, did in pairs)
    return value, False


def rename_person(session: Session, person: dict[str, Any]) -> int:
    """Show `person` ({id, display_name, avatar_url}) as they are now in the logged events
    that carry their name (those they wrote: `author_id`), as the API does; how many changed."""
    rows = session.execute(
        select(_TABLE.c.id, _TABLE.c.payload).where(_TABLE.c.author_id == person["id"])
    ).all()
    changed = []
    for row in rows:
        payload, did = _renamed(row.payload, person)
        if did:
            changed.append({"id": row.id, "payload": payload})
    if changed:  # one executemany by primary key, not a statement per row
        session.execute(update(LoggedEvent), changed)
    return len(changed)


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
    # The id of the last row read (a rendered event the reader may no longer have is left
    # out of `events`), and whether rows follow it (with a `limit`).
    through: int = 0
    more: bool = False


def _row(row: Any) -> dict[str, Any]:
    return {
        "event_id": row.id,
        "name": row.name,
        "payload": with_id(row.payload, row.id),
        "created_at": row.created_at,
    }


def _rendered(reader_id: int | None, rows: list[Any]) -> list[dict[str, Any]]:
    """The rows as sent to `reader_id`: those of a rendered event anew, or left out."""
    events = [_row(r) for r in rows]
    renderers: dict[str, Renderer] = current_app.extensions.get(_RENDERERS, {})
    by_name: dict[str, list[int]] = {}
    for i, event in enumerate(events):
        if event["name"] in renderers:
            by_name.setdefault(event["name"], []).append(i)
    gone: set[int] = set()
    for name, at in by_name.items():
        fresh = (
            renderers[name](reader_id, [rows[i].payload for i in at])
            if reader_id is not None
            else [None] * len(at)
        )
        for i, payload in zip(at, fresh, strict=True):
            if payload is None:
                gone.add(i)
            else:
                events[i]["payload"] = with_id(payload, events[i]["event_id"])
    return [event for i, event in enumerate(events) if i not in gone]


def catch_up(
    conn: Session | Connection,
    after: int,
    rooms: list[str],
    *,
    limit: int | None = None,
    reader_id: int | None = None,
) -> Catchup:
    """The events after id `after` that went to any of `rooms`, oldest first, at most `limit`
    rows (default: all of them, up to `EVENT_REPLAY_MAX`), as sent to `reader_id` (events
    replayed through a renderer are left out without a reader).

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
    more = limit is not None and len(rows) > limit
    if limit is not None:
        rows = rows[:limit]
    return Catchup(
        reset=False,
        events=_rendered(reader_id, rows),
        last_event_id=newest,
        through=rows[-1].id if rows else after,
        more=more,
    )


def newest_id(conn: Session | Connection) -> int:
    """The newest event id there is (0 for an empty log)."""
    return int(conn.execute(select(func.max(_TABLE.c.id))).scalar() or 0)


def prune(conn: Session | Connection, app: Flask, now: datetime | None = None) -> int:
    """Delete the events older than the retention (as of `now`); returns how many."""
    now = now or utcnow()
    horizon = now - timedelta(hours=float(app.config["EVENT_RETENTION_HOURS"]))
    result = conn.execute(delete(_TABLE).where(_TABLE.c.created_at < horizon))
    return int(result.rowcount or 0)
