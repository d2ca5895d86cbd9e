"""Holding a connecting socket's live events while its replay is prepared.

A socket that connects with `last_event_id` must receive the events it missed, in order, then
live ones, with no gap and none twice at the seam. Its connect handler puts it on hold before it
enters its rooms; live events for it are then kept here instead of sent. The handler reads the
log and primes the hold with what to replay (or `sync:reset`). python-socketio marks the socket
connected right after sending the CONNECT packet (`Manager.connect`): then, and in this order,
the replay is sent, then the held live events newer than anything it replayed or already had.

Every emit reaches sockets through `Manager.emit`: this process's own emits, and those other
processes publish over Redis (`PubSubManager` hands them to `Manager.emit` through `super()`),
so `HoldingManager` sits just above `Manager` in both managers' class order.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import socketio as sio

Packet = tuple[str, Any]
# How long after its replay a socket is still spared live events it already got replayed.
SEAM_SECONDS = 10.0


class HoldingManager(sio.Manager):
    """python-socketio's in-process manager, able to hold a connecting socket's events."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._hold_lock = threading.RLock()
        self._held: dict[str, list[Packet]] = {}
        self._first: dict[str, list[Packet]] = {}
        # The highest event id a connecting socket holds once its replay is sent.
        self._upto: dict[str, int] = {}
        # After a replay: (highest id the socket holds, until when) — a live event committed
        # before the replay was read can still come in over Redis after the release; it must
        # not reach the socket a second time.
        self._caught_up: dict[str, tuple[int, float]] = {}

    # --- what the connect handler calls --------------------------------------------------

    def hold(self, sid: str) -> None:
        """Keep the live events for this socket until it is connected."""
        with self._hold_lock:
            self._held[sid] = []

    def prime(self, sid: str, first: list[Packet], upto: int) -> None:
        """What to send before the held events, and the highest event id the client then
        holds (its `last_event_id`, or the newest replayed)."""
        with self._hold_lock:
            if sid in self._held:
                self._first[sid] = first
                self._upto[sid] = upto

    def release(self, sid: str, namespace: str) -> None:
        """Send the replay, then the held events it doesn't already hold, and stop holding."""
        with self._hold_lock:
            held = self._held.pop(sid, None)
            first = self._first.pop(sid, [])
            upto = self._upto.pop(sid, 0)
            if held is None:
                return
            self._caught_up[sid] = (upto, time.monotonic() + SEAM_SECONDS)
            for name, data in first:
                sio.Manager.emit(self, name, data, namespace, to=sid)
            for name, data in held:
                event_id = data.get("event_id") if isinstance(data, dict) else None
                # Replayed, seen before, or older than the newest replayed one (then either
                # replayed or redacted since: a superseded event must not follow its successor).
                if isinstance(event_id, int) and event_id <= upto:
                    continue
                sio.Manager.emit(self, name, data, namespace, to=sid)

    def holding(self, sid: str) -> bool:
        with self._hold_lock:
            return sid in self._held

    # --- python-socketio's manager -------------------------------------------------------

    def emit(
        self,
        event: str,
        data: Any,
        namespace: str,
        room: Any = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: Any = None,
        **kwargs: Any,
    ) -> Any:
        if self._caught_up and not callback:
            skip_sid = self._skip_caught_up(data, namespace, to or room, skip_sid)
        if self._held and not callback:
            with self._hold_lock:
                held = [
                    sid
                    for sid, _eio in self.get_participants(namespace, to or room)
                    if sid in self._held
                ]
                for sid in held:
                    self._held[sid].append((event, data))
            if held:
                skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
                skip_sid = [s for s in skip if s is not None] + held
        return super().emit(
            event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to, **kwargs
        )

    def _skip_caught_up(self, data: Any, namespace: str, to: Any, skip_sid: Any) -> Any:
        """Add to `skip_sid` the sockets whose replay already gave them this event."""
        event_id = data.get("event_id") if isinstance(data, dict) else None
        if not isinstance(event_id, int):
            return skip_sid
        now = time.monotonic()
        with self._hold_lock:
            for sid, (_upto, until) in list(self._caught_up.items()):
                if until < now:
                    del self._caught_up[sid]
            if not self._caught_up:
                return skip_sid
            have = [
                sid
                for sid, _eio in self.get_participants(namespace, to)
                if sid in self._caught_up and event_id <= self._caught_up[sid][0]
            ]
        if not have:
            return skip_sid
        skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        return [s for s in skip if s is not None] + have

    def connect(self, sid: str, namespace: str) -> Any:
        connected = super().connect(sid, namespace)
        if self._held:
            self.release(connected, namespace)
        return connected

    def disconnect(self, sid: str, namespace: str, **kwargs: Any) -> Any:
        if self._held:
            with self._hold_lock:
                self._held.pop(sid, None)
                self._first.pop(sid, None)
                self._upto.pop(sid, None)
        if self._caught_up:
            with self._hold_lock:
                self._caught_up.pop(sid, None)
        return super().disconnect(sid, namespace, **kwargs)
