"""The clock tasks read "now" from: the system's, or one a test moves by hand.

Every task of the runner, and the consumers' heartbeat, take the time from the app's clock
(`neighbours.jobs.now()`), never from `datetime.now()`: a test sets a `MovableClock`, moves it
past a reminder's moment and lets a real consumer run, without sleeping.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol

from neighbours.database import utcnow


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware in UTC."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        return utcnow()


class MovableClock:
    """A clock that stands still until moved (tests): thread-safe, always aware UTC."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a clock's time must be timezone-aware")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("a clock's time must be timezone-aware")
        with self._lock:
            self._now = when.astimezone(UTC)

    def move(self, delta: timedelta) -> datetime:
        """Move forward (or back) by `delta`; returns the new time."""
        with self._lock:
            self._now += delta
            return self._now
