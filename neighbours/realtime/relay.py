"""The relay: delivers what the event log holds but no process emitted.

The emitting process records, after a transaction's emits, the ids it sent: one Redis call per
transaction (a sorted set, `<prefix>:events:emitted`), or a set in memory without Redis (one
process). Off the hot path, every `EVENT_RELAY_SECONDS` one process at a time (a
`pg_try_advisory_xact_lock`; a process lock on SQLite) reads the events logged after its cursor
and older than `EVENT_RELAY_GRACE_SECONDS`, emits those nobody recorded, records them, and
moves the cursor on. So an event committed by a process that died before emitting, or while
Redis was away, reaches connected clients within a few seconds: at least once (clients drop
duplicates by `event_id`), never twice from two relays. Events older than `_HORIZON_SECONDS`
are never relayed (every client connected then has since reconnected and replayed them).

Each relay also prunes the log past `EVENT_RETENTION_HOURS`, every `_PRUNE_SECONDS` (and
`flask prune-events` does it on demand).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

from flask import Flask, current_app, has_app_context
from sqlalchemy import select, text

from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.realtime import eventlog
from neighbours.realtime.clients import redis_client
from neighbours.realtime.live import NAMESPACE, state
from neighbours.realtime.models import LoggedEvent
from neighbours.realtime.ordering import CONTROL_EVENT, CONTROL_PREFIX, CONTROL_ROOM

log = logging.getLogger(__name__)

_STATE = "neighbours.realtime.relay"
# pg_try_advisory_xact_lock key of the relay ("rely").
RELAY_LOCK = 0x72656C79
_HORIZON_SECONDS = 60.0
_PRUNE_SECONDS = 600.0
_BATCH = 1000
# The emitted set keeps at most this many ids even if no relay trims it.
_KEEP = 100_000
_TABLE = LoggedEvent.__table__


@dataclass
class RelayState:
    lock: threading.Lock = field(default_factory=threading.Lock)
    # One pass at a time in this process (on SQLite, the only process).
    passing: threading.Lock = field(default_factory=threading.Lock)
    running: bool = False
    # Without Redis: the ids emitted by this process, and the relay's cursor.
    emitted: set[int] = field(default_factory=set)
    cursor: int = 0


def _state(app: Flask) -> RelayState:
    return app.extensions.setdefault(_STATE, RelayState())


def _keys(app: Flask) -> tuple[str, str]:
    prefix = app.config["REDIS_CHANNEL_PREFIX"]
    return f"{prefix}:events:emitted", f"{prefix}:events:relayed"


def skipping_emits() -> bool:
    """The test hook: commit and log events but never emit them."""
    return has_app_context() and bool(current_app.config.get("EVENT_TEST_SKIP_EMIT"))


def test_delay() -> None:
    """The test hook: wait this long between a commit and its emits (a slow process)."""
    if has_app_context():
        delay = float(current_app.config.get("EVENT_TEST_EMIT_DELAY_SECONDS") or 0)
        if delay > 0:
            state(current_app).server.sleep(delay)  # type: ignore[arg-type]


def mark_emitted(ids: list[int], app: Flask | None = None) -> None:
    """Record that these events were emitted: one Redis round trip (or a set in memory)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    url = app.config.get("REDIS_URL")
    if not url:
        relay = _state(app)
        with relay.lock:
            relay.emitted.update(ids)
            if len(relay.emitted) > _KEEP:  # no relay trims it: keep the newest half
                relay.emitted = set(sorted(relay.emitted)[-_KEEP // 2 :])
        return
    emitted, _cursor = _keys(app)
    try:
        pipe = redis_client(url).pipeline(transaction=False)
        pipe.zadd(emitted, {str(i): i for i in ids})
        pipe.zremrangebyrank(emitted, 0, -_KEEP - 1)
        pipe.execute()
    except Exception as exc:  # the relay will send them again: at least once
        log.warning("could not record %d emitted events (%s)", len(ids), exc)


def _not_emitted(app: Flask, ids: list[int]) -> list[int]:
    url = app.config.get("REDIS_URL")
    if not url:
        with _state(app).lock:
            return [i for i in ids if i not in _state(app).emitted]
    emitted, _cursor = _keys(app)
    scores = redis_client(url).zmscore(emitted, [str(i) for i in ids])
    return [i for i, score in zip(ids, scores, strict=True) if score is None]


def _get_cursor(app: Flask) -> int:
    url = app.config.get("REDIS_URL")
    if not url:
        return _state(app).cursor
    value = redis_client(url).get(_keys(app)[1])
    return int(value) if value is not None else 0


def _set_cursor(app: Flask, cursor: int) -> None:
    url = app.config.get("REDIS_URL")
    if not url:
        relay = _state(app)
        with relay.lock:
            relay.cursor = cursor
            relay.emitted = {i for i in relay.emitted if i > cursor}
        return
    emitted, key = _keys(app)
    pipe = redis_client(url).pipeline(transaction=False)
    pipe.set(key, cursor)
    pipe.zremrangebyscore(emitted, "-inf", cursor)
    pipe.execute()


def run_once(app: Flask) -> int:
    """One pass of the relay; returns how many events it emitted (0 if another holds it)."""
    with app.app_context():
        engine = db.engine
        postgres = engine.dialect.name == "postgresql"
        local = _state(app).passing if not postgres else None
        if local is not None and not local.acquire(blocking=False):
            return 0
        try:
            with engine.begin() as conn:
                if postgres:
                    held = conn.execute(
                        text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": RELAY_LOCK}
                    ).scalar()
                    if not held:
                        return 0
                return _relay(app, conn)
        finally:
            if local is not None:
                local.release()


def _relay(app: Flask, conn: object) -> int:
    now = utcnow()
    grace = now - timedelta(seconds=float(app.config["EVENT_RELAY_GRACE_SECONDS"]))
    horizon = now - timedelta(seconds=_HORIZON_SECONDS)
    cursor = _get_cursor(app)
    rows = conn.execute(  # type: ignore[attr-defined]
        select(_TABLE.c.id, _TABLE.c.name, _TABLE.c.payload, _TABLE.c.rooms, _TABLE.c.created_at)
        .where(_TABLE.c.id > cursor, _TABLE.c.created_at >= horizon)
        .order_by(_TABLE.c.id)
        .limit(_BATCH)
    ).all()
    settled = [r for r in rows if r.created_at <= grace]
    if len(settled) < len(rows):
        # Ids are in commit order: stop at the first event still young enough to be emitting.
        settled = settled[: next(i for i, r in enumerate(rows) if r.created_at > grace)]
    if not settled:
        if not rows and cursor:
            newest = conn.execute(select(_TABLE.c.id).order_by(_TABLE.c.id.desc()).limit(1))  # type: ignore[attr-defined]
            if (newest.scalar() or 0) < cursor:  # the log was emptied: start again
                _set_cursor(app, 0)
        return 0
    missing = set(_not_emitted(app, [r.id for r in settled]))
    sent = []
    nobody = 0
    server = state(app).server
    for row in settled:
        if row.id not in missing:
            continue
        if row.name.startswith(CONTROL_PREFIX):
            body = {"event_id": row.id, "action": row.name[len(CONTROL_PREFIX) :]}
            data = {**body, "data": row.payload}
            server.emit(CONTROL_EVENT, data, to=CONTROL_ROOM, namespace=NAMESPACE)
            sent.append(row.id)
            continue
        if not row.rooms:
            # Redacted (or to nobody): nothing to send. Never `to=[]`: Socket.IO reads an
            # empty room list as "everyone".
            sent.append(row.id)
            nobody += 1
            continue
        try:
            server.emit(
                row.name, eventlog.with_id(row.payload, row.id), to=row.rooms, namespace=NAMESPACE
            )
            sent.append(row.id)
        except Exception:
            log.exception("relay could not emit event %s", row.id)
            break
    if sent:
        if len(sent) > nobody:
            log.info("relayed %d events the emitting process did not send", len(sent) - nobody)
        mark_emitted(sent, app)
    last = settled[-1].id if len(sent) == len(missing) else min(missing - set(sent)) - 1
    _set_cursor(app, max(cursor, last))
    return len(sent) - nobody


def prune(app: Flask) -> int:
    """Delete the events past the retention (`flask prune-events`, and the relay)."""
    with app.app_context(), db.engine.begin() as conn:
        return eventlog.prune(conn, app)


def ensure_relaying(app: Flask) -> None:
    """Start this app's relay once (on the first socket connect, like the sweeper); it runs
    for the life of the process. `EVENT_RELAY_SECONDS=0` turns it off."""
    if float(app.config.get("EVENT_RELAY_SECONDS") or 0) <= 0:
        return
    relay = _state(app)
    with relay.lock:
        if relay.running:
            return
        relay.running = True
    state(app).server.start_background_task(run, app)


def run(app: Flask) -> None:
    server = state(app).server
    interval = float(app.config["EVENT_RELAY_SECONDS"])
    next_prune = time.monotonic()
    while True:
        server.sleep(interval)
        try:
            run_once(app)
            if time.monotonic() >= next_prune:
                next_prune = time.monotonic() + _PRUNE_SECONDS
                pruned = prune(app)
                if pruned:
                    log.info("pruned %d events past the retention", pruned)
        except Exception:
            log.exception("event relay failed")
