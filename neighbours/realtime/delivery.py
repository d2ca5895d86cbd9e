"""Sending: Socket.IO emits (through the Redis queue when configured) and control messages."""

from __future__ import annotations

from typing import Any

from flask import current_app

from neighbours.realtime import control
from neighbours.realtime.live import NAMESPACE, state
from neighbours.realtime.ordering import CONTROL_EVENT, CONTROL_PREFIX, CONTROL_ROOM, InOrder

__all__ = ["CONTROL_PREFIX", "emit", "failures", "ordered_controls", "send_control"]


def emit(name: str, payload: Any, room: str | tuple[str, ...]) -> None:
    """Emit to a room (or rooms) of this app's sockets and, through Redis, of every process."""
    to = room if isinstance(room, str) else list(room)
    state().server.emit(name, payload, to=to, namespace=NAMESPACE)


def send_control(action: str, data: dict[str, Any]) -> None:
    """Tell this process now, and every other process over Redis, about a change to sockets."""
    control.send(current_app._get_current_object(), action, data)  # type: ignore[attr-defined]


def ordered_controls() -> bool:
    """Whether control messages go in id order with the events (a Redis queue that orders)."""
    manager = state().server.manager
    return isinstance(manager, InOrder) and manager.order_wait > 0


def send_control_in_order(action: str, data: dict[str, Any], event_id: int) -> None:
    """A logged control message, through the events' own queue: every process (this one
    included) carries it out when its id comes (`ordering.InOrder`)."""
    body = {"event_id": event_id, "action": action, "data": data}
    state().server.emit(CONTROL_EVENT, body, to=CONTROL_ROOM, namespace=NAMESPACE)


def failures() -> int:
    """How many publishes to Redis this app's server has given up on (0 without Redis)."""
    return int(getattr(state().server.manager, "failures", 0))
