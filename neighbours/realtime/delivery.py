"""Sending: Socket.IO emits (through the Redis queue when configured) and control messages."""

from __future__ import annotations

from typing import Any

from flask import current_app

from neighbours.realtime import control
from neighbours.realtime.live import NAMESPACE, state


def emit(name: str, payload: Any, room: str | tuple[str, ...]) -> None:
    """Emit to a room (or rooms) of this app's sockets and, through Redis, of every process."""
    to = room if isinstance(room, str) else list(room)
    state().server.emit(name, payload, to=to, namespace=NAMESPACE)


def send_control(action: str, data: dict[str, Any]) -> None:
    """Tell this process now, and every other process over Redis, about a change to sockets."""
    control.send(current_app._get_current_object(), action, data)  # type: ignore[attr-defined]


def failures() -> int:
    """How many publishes to Redis this app's server has given up on (0 without Redis)."""
    return int(getattr(state().server.manager, "failures", 0))
