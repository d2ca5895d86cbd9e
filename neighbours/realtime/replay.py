"""Replay on connect: a socket that names the last event it saw catches up before live ones.

`auth: {token, last_event_id}`. The connect handler puts the socket on hold before it enters
its rooms (`start`), then, once its rooms are known, reads every logged event after that id
for those rooms (the rooms its user is in now: never one they left or never had) and primes
the hold with them (`prepare`), or with `sync:reset {}` past `EVENT_REPLAY_MAX` events or
`EVENT_RETENTION_HOURS`. python-socketio then connects it, and `holding` sends the replay,
then the live events held meanwhile that were not replayed.
"""

from __future__ import annotations

from typing import Any

from neighbours.extensions import db
from neighbours.realtime import eventlog
from neighbours.realtime.holding import HoldingManager
from neighbours.realtime.live import LiveState

# Event ids are BIGINT; anything else in `last_event_id` is ignored (no replay).
_MAX_EVENT_ID = 2**63 - 1
RESET = "sync:reset"


def last_event_id(auth: Any) -> int | None:
    """The `last_event_id` a connect names (0 for "from the start"), or None."""
    value = auth.get("last_event_id") if isinstance(auth, dict) else None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _MAX_EVENT_ID:
        return value
    return None


def _manager(live_state: LiveState) -> HoldingManager | None:
    manager = live_state.server.manager
    return manager if isinstance(manager, HoldingManager) else None


def start(live_state: LiveState, sid: str) -> None:
    """Hold the socket's live events (call before it enters any room)."""
    manager = _manager(live_state)
    if manager is not None:
        manager.hold(sid)


def prepare(live_state: LiveState, sid: str, after: int, rooms: list[str]) -> None:
    """Read what the socket missed in `rooms` and queue it ahead of the held live events."""
    manager = _manager(live_state)
    if manager is None:
        return
    found = eventlog.catch_up(db.session, after, rooms)
    if found.reset:
        manager.prime(sid, [(RESET, {})], set(), after)
        return
    first = [(event["name"], event["payload"]) for event in found.events]
    manager.prime(sid, first, {event["event_id"] for event in found.events}, after)
