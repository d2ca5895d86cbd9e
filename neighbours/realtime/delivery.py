"""Sending: Socket.IO emits (through the Redis queue when configured) and control messages."""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import current_app

from neighbours.extensions import socketio

log = logging.getLogger(__name__)


def emit(name: str, payload: Any, room: str) -> None:
    socketio.emit(name, payload, to=room)


def control(action: str, data: dict[str, Any]) -> None:
    """Tell every process (or just this one, without Redis) about a change to live sockets."""
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        from neighbours.realtime.control import CHANNEL, redis_client

        redis_client(redis_url).publish(CHANNEL, json.dumps({"action": action, "data": data}))
    else:
        from neighbours.realtime.control import apply

        apply(current_app._get_current_object(), action, data)  # type: ignore[attr-defined]
