"""Replay on connect: a socket that names the last event it saw catches up before live ones.

`auth: {token, last_event_id}`. The connect handler puts the socket on hold before it enters
its rooms (`start`), then, once its rooms are known, reads every logged event after that id
for those rooms (the rooms its user is in now: never one they left or never had) and primes
the hold with them (`prepare`), or with `sync:reset {}` past `EVENT_REPLAY_MAX` events or
`EVENT_RETENTION_HOURS`. python-socketio then connects it, and `holding` sends the replay,
then the live events held meanwhile that were not replayed.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import current_app

from neighbours.extensions import db
from neighbours.realtime import eventlog
from neighbours.realtime.holding import HoldingManager
from neighbours.realtime.live import LiveState
from neighbours.realtime.registry import TokenBucket

# Event ids are BIGINT.
_MAX_EVENT_ID = 2**63 - 1
RESET = "sync:reset"
# A `last_event_id` that is not an event id: the client gets `sync:reset` (reload over REST)
# rather than a silent connect without its missed events.
MALFORMED = -1

_buckets: dict[tuple[int, int], TokenBucket] = {}
_buckets_lock = threading.Lock()


def last_event_id(auth: Any) -> int | None:
    """The `last_event_id` a connect names (0 for "from the start"; digits in a string, as
    browsers store them, count too), None when it names none, `MALFORMED` otherwise."""
    if not isinstance(auth, dict) or auth.get("last_event_id") is None:
        return None
    value = auth["last_event_id"]
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _MAX_EVENT_ID:
        return value
    return MALFORMED


def _may_replay(user_id: int) -> bool:
    """A token from the user's replay allowance on this process."""
    per_minute = float(current_app.config.get("EVENT_REPLAYS_PER_MINUTE", 10.0))
    if per_minute <= 0:
        return True
    key = (id(current_app._get_current_object()), user_id)  # type: ignore[attr-defined]
    with _buckets_lock:
        if len(_buckets) > 10_000:
            _buckets.clear()  # a bound on memory; a cleared bucket starts full again
        bucket = _buckets.setdefault(key, TokenBucket())
        return bucket.take(per_minute / 60.0, per_minute)


def _manager(live_state: LiveState) -> HoldingManager | None:
    manager = live_state.server.manager
    return manager if isinstance(manager, HoldingManager) else None


def start(live_state: LiveState, sid: str) -> None:
    """Hold the socket's live events (call before it enters any room)."""
    manager = _manager(live_state)
    if manager is not None:
        manager.hold(sid)


def prepare(
    live_state: LiveState, sid: str, after: int, rooms: list[str], user_id: int | None = None
) -> None:
    """Read what the socket missed in `rooms` and queue it ahead of the held live events;
    `sync:reset` instead for a malformed id or past the user's replay allowance."""
    manager = _manager(live_state)
    if manager is None:
        return
    if after == MALFORMED or (user_id is not None and not _may_replay(user_id)):
        manager.prime(sid, [(RESET, {})], max(after, 0))
        return
    if after == eventlog.newest_id(db.session):
        # Missed nothing (most of a restart's reconnect storm): one index-only read of the
        # newest id, not the catch-up's two. The socket is in its rooms already, so whatever
        # commits next reaches it live (held until it is connected).
        manager.prime(sid, [], after)
        return
    found = eventlog.catch_up(db.session, after, rooms, reader_id=user_id)
    if found.reset:
        # The client reloads over REST and goes on from the newest event: live events after
        # it must reach it, even when the id it named was beyond the newest (a restored
        # database, another deployment's id).
        manager.prime(sid, [(RESET, {})], found.last_event_id)
        return
    first = [(event["name"], event["payload"]) for event in found.events]
    manager.prime(sid, first, max(after, found.through))
