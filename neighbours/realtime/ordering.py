"""Logged events reach this process's sockets in event-id order, even from several processes.

Ids are given in commit order (`eventlog`), but each process emits its own after its commit,
and the sender handles its own emits at once while the others' come over Redis: process A
committing event 10 and process B event 11 a millisecond later can reach B's sockets as 11
then 10. A client that then dropped after 11 would resume from 11 and never get 10.

So every process passes the logged events it handles (its own and those from Redis) through
one sequence: the next id in order goes out at once, a higher one waits until the ids before
it have come, for at most `wait` seconds (an id whose transaction failed after taking it, or
an event whose process died before emitting it, leaves a gap that nothing fills: after the
wait the events behind it go out, and the relay delivers the lost one late). An id lower than
the next one (relayed, or before this process's first) goes out at once. Control messages and
events without an id are not held.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

# At most this many events wait for a gap to close; past it they all go out.
MAX_WAITING = 10_000
# A control message (re-sync a user's rooms, disconnect) in the events' queue: carried out by
# each process when its id comes, never sent to a socket. Logged as `control:<action>`.
CONTROL_EVENT = "neighbours:control"
CONTROL_PREFIX = "control:"
CONTROL_ROOM = "neighbours:control"


def event_id_of(message: dict[str, Any]) -> int | None:
    """The `event_id` of a pub/sub emit message's payload, if it has one."""
    data = message.get("data")
    payload = data[0] if isinstance(data, list) and len(data) == 1 else None
    event_id = payload.get("event_id") if isinstance(payload, dict) else None
    return event_id if isinstance(event_id, int) and not isinstance(event_id, bool) else None


class InOrder:
    """A mixin for python-socketio's pub/sub manager, before it in the class order."""

    server: Any

    def __init__(
        self,
        *args: Any,
        order_wait: float = 0.25,
        on_control: Callable[[str, dict[str, Any]], None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.order_wait = order_wait
        self.on_control = on_control
        self._order_lock = threading.RLock()
        self._next_id: int | None = None
        self._waiting: dict[int, dict[str, Any]] = {}
        self._gap_since: float | None = None
        self._flusher = False

    def _handle_emit(self, message: dict[str, Any]) -> None:
        event_id = event_id_of(message)
        if event_id is None or self.order_wait <= 0:
            self._send(message)
            return
        # Sent under the lock: the listener and this process's own emits never interleave.
        with self._order_lock:
            for ready in self._take(event_id, message):
                self._send(ready)
            if self._waiting and not self._flusher:
                self._flusher = True
                self.server.start_background_task(self._flush_overdue)

    def _send(self, message: dict[str, Any]) -> None:
        if message.get("event") != CONTROL_EVENT:
            super()._handle_emit(message)  # type: ignore[misc]
            return
        body = message["data"][0] if isinstance(message.get("data"), list) else None
        if self.on_control is None or not isinstance(body, dict):
            return
        try:
            self.on_control(str(body.get("action")), dict(body.get("data") or {}))
        except Exception:
            log.exception("control message %r failed", body)

    def _take(self, event_id: int, message: dict[str, Any]) -> list[dict[str, Any]]:
        if self._next_id is None:
            self._next_id = event_id
        if event_id < self._next_id:
            return [message]
        self._waiting[event_id] = message
        ready = self._drain()
        if self._waiting and (ready or self._gap_since is None):
            self._gap_since = time.monotonic()  # a gap (a new one, if events just went out)
        if len(self._waiting) > MAX_WAITING:
            ready += self._skip_gap(everything=True)
        return ready

    def _drain(self) -> list[dict[str, Any]]:
        """The waiting events that follow on from the next id, in order."""
        ready = []
        while self._next_id in self._waiting:
            ready.append(self._waiting.pop(self._next_id))
            self._next_id += 1
        if not self._waiting:
            self._gap_since = None
        return ready

    def _skip_gap(self, *, everything: bool = False) -> list[dict[str, Any]]:
        """Give up on the missing id(s) before the lowest waiting event."""
        ready = []
        while self._waiting:
            self._next_id = min(self._waiting)
            ready += self._drain()
            if not everything:
                break
        self._gap_since = time.monotonic() if self._waiting else None
        return ready

    def _flush_overdue(self) -> None:
        """In the background while events wait: send those whose gap waited too long."""
        while True:
            with self._order_lock:
                if not self._waiting:
                    self._flusher = False
                    return
                since = self._gap_since or time.monotonic()
                left = since + self.order_wait - time.monotonic()
                if left <= 0:
                    for ready in self._skip_gap():
                        self._send(ready)
                    continue
            self.server.sleep(left)
