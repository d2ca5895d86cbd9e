"""The live sockets of one app in this process: whose they are and what features keep on them.

The registry is the truth about which sockets are signed in: an event from a socket it does not
know is refused and the socket cut (see `guard`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class TokenBucket:
    """`rate` events a second on average, up to `burst` at once."""

    tokens: float = -1.0  # full on first use
    at: float = field(default_factory=time.monotonic)

    def take(self, rate: float, burst: float) -> bool:
        now = time.monotonic()
        if self.tokens < 0:
            self.tokens = burst
        else:
            self.tokens = min(burst, self.tokens + (now - self.at) * rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass
class LiveSocket:
    sid: str
    user_id: int
    token_id: int
    # When its token stops working: the sweeper cuts the socket then.
    expires_at: datetime | None = None
    # What features keep about this socket, under their own keys (meals: the meals it
    # watches); read back by their room providers on every room sync.
    extras: dict[str, Any] = field(default_factory=dict)
    bucket: TokenBucket = field(default_factory=TokenBucket)
    # The language of its error acks, chosen when it connected (`i18n.language_for`).
    locale: str | None = None
    # Events refused in a row for going over the rate; past a limit the socket is cut.
    refused: int = 0


class Registry:
    """Socket id -> LiveSocket, safe to use from several threads or greenlets."""

    def __init__(self) -> None:
        self._sockets: dict[str, LiveSocket] = {}
        self._lock = threading.Lock()

    def add(
        self,
        sid: str,
        user_id: int,
        token_id: int,
        expires_at: datetime | None = None,
        locale: str | None = None,
        extras: dict[str, Any] | None = None,
    ) -> LiveSocket:
        with self._lock:
            live = self._sockets[sid] = LiveSocket(sid, user_id, token_id, expires_at)
            live.locale = locale
            live.extras.update(extras or {})
            return live

    def remove(self, sid: str) -> LiveSocket | None:
        with self._lock:
            return self._sockets.pop(sid, None)

    def get(self, sid: str) -> LiveSocket | None:
        with self._lock:
            return self._sockets.get(sid)

    def of_user(self, user_id: int) -> list[LiveSocket]:
        with self._lock:
            return [s for s in self._sockets.values() if s.user_id == user_id]

    def all(self) -> list[LiveSocket]:
        with self._lock:
            return list(self._sockets.values())

    def __len__(self) -> int:
        with self._lock:
            return len(self._sockets)
