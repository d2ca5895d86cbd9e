"""The live sockets of this process: whose they are and which meals they watch."""

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


_sockets: dict[str, LiveSocket] = {}
_lock = threading.Lock()


def add(sid: str, user_id: int, token_id: int) -> LiveSocket:
    with _lock:
        live = _sockets[sid] = LiveSocket(sid, user_id, token_id)
        return live


def remove(sid: str) -> None:
    with _lock:
        _sockets.pop(sid, None)


def get(sid: str) -> LiveSocket | None:
    with _lock:
        return _sockets.get(sid)


def of_user(user_id: int) -> list[LiveSocket]:
    with _lock:
        return [s for s in _sockets.values() if s.user_id == user_id]
