"""Control messages that change live sockets on every process: re-sync rooms, disconnect.

Socket.IO's own Redis queue carries emits and knows a socket only on the process that holds
it, so room membership derived from the database (neighbourhoods, suspensions) is re-synced
by each process for its own sockets when told to over this channel.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import redis
from flask import Flask

log = logging.getLogger(__name__)


def control_channel(app: Flask) -> str:
    return f"{app.config['REDIS_CHANNEL_PREFIX']}:control"

_clients: dict[str, redis.Redis] = {}
_lock = threading.Lock()


def redis_client(url: str) -> redis.Redis:
    with _lock:
        client = _clients.get(url)
        if client is None:
            client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
            _clients[url] = client
        return client


def apply(app: Flask, action: str, data: dict[str, Any]) -> None:
    """Carry out a control message for the sockets of this process."""
    from neighbours.realtime import handlers

    with app.app_context():
        if action == "sync_rooms":
            handlers.sync_rooms_for_user(int(data["user_id"]))
        elif action == "disconnect":
            handlers.disconnect_local(int(data["user_id"]), token_id=data.get("token_id"))
        else:
            log.warning("unknown control action %r", action)


def listen(app: Flask, url: str, channel: str) -> None:
    """Subscribe to the control channel for the life of the process, reconnecting on failure."""
    from neighbours.extensions import socketio

    while True:
        try:
            pubsub = redis.Redis.from_url(url, socket_connect_timeout=2).pubsub(
                ignore_subscribe_messages=True
            )
            pubsub.subscribe(channel)
            for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                try:
                    body = json.loads(message["data"])
                    apply(app, body["action"], body.get("data", {}))
                except Exception:
                    log.exception("bad control message %r", message.get("data"))
        except Exception:
            log.warning("control channel lost; reconnecting in 1s", exc_info=True)
            socketio.sleep(1) if socketio.server else time.sleep(1)
