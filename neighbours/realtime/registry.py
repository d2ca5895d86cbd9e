"""The live sockets of one app in this process: whose they are and which meals they watch."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class LiveSocket:
    sid: str
    user_id: int
    token_id: int
    # meal_id -> neighbourhood_id, so losing a neighbourhood also stops its meals.
    watching: dict[int, int] = field(default_factory=dict)


class Registry:
    """Socket id -> LiveSocket, safe to use from several threads or greenlets."""

    def __init__(self) -> None:
        self._sockets: dict[str, LiveSocket] = {}
        self._lock = threading.Lock()

    def add(self, sid: str, user_id: int, token_id: int) -> LiveSocket:
        with self._lock:
            live = self._sockets[sid] = LiveSocket(sid, user_id, token_id)
            return live

    def remove(self, sid: str) -> None:
        with self._lock:
            self._sockets.pop(sid, None)

    def get(self, sid: str) -> LiveSocket | None:
        with self._lock:
            return self._sockets.get(sid)

    def of_user(self, user_id: int) -> list[LiveSocket]:
        with self._lock:
            return [s for s in self._sockets.values() if s.user_id == user_id]

    def __len__(self) -> int:
        with self._lock:
            return len(self._sockets)
