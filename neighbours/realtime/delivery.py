"""Sending: Socket.IO emits (through the Redis queue when configured) and control messages."""

from __future__ import annotations

from typing import Any

from flask import current_app

from neighbours.realtime import NAMESPACE, control, state


def emit(name: str, payload: Any, room: str) -> None:
    """Emit to a room of this app's sockets and, through Redis, of every process."""
    state().server.emit(name, payload, to=room, namespace=NAMESPACE)


def send_control(action: str, data: dict[str, Any]) -> None:
    """Tell this process now, and every other process over Redis, about a change to sockets."""
    control.send(current_app._get_current_object(), action, data)  # type: ignore[attr-defined]
