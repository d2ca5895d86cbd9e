"""Control messages that change live sockets on every process: re-sync rooms, disconnect.

Socket.IO's own Redis queue carries emits, but a socket is known only to the process that
holds it, so room membership derived from the database (neighbourhoods, suspensions) and
disconnects are carried out by each process for its own sockets when told over this channel.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import redis
from flask import Flask

from neighbours.realtime import sockets
from neighbours.realtime.clients import redis_client
from neighbours.realtime.live import state

__all__ = ["apply", "control_channel", "ensure_listening", "listen", "redis_client", "send"]

log = logging.getLogger(__name__)


def control_channel(app: Flask) -> str:
    return f"{app.config['REDIS_CHANNEL_PREFIX']}:control"


def apply(app: Flask, action: str, data: dict[str, Any]) -> None:
    """Carry out a control message for this app's sockets, in a fresh app context.

    A fresh context gets its own database session: this may run inside another session's
    after-commit hook, where that session can no longer run SQL.
    """
    with app.app_context():
        if action == "sync_rooms":
            sockets.sync_rooms_for_user(int(data["user_id"]))
        elif action == "disconnect":
            token_id = data.get("token_id")
            sockets.disconnect_local(
                int(data["user_id"]),
                token_id=int(token_id) if token_id is not None else None,
                reason=str(data.get("reason") or "revoked"),
            )
        else:
            log.warning("unknown control action %r", action)


def send(app: Flask, action: str, data: dict[str, Any]) -> None:
    """Apply a control message here at once, then tell the other processes over Redis."""
    apply(app, action, data)
    url = app.config.get("REDIS_URL")
    if url:
        body = {"action": action, "data": data, "origin": state(app).origin}
        redis_client(url).publish(control_channel(app), json.dumps(body))


def listen(app: Flask) -> None:
    """Subscribe to the control channel for the life of the process, reconnecting on failure."""
    live = state(app)
    url = app.config["REDIS_URL"]
    while True:
        pubsub = None
        try:
            pubsub = redis.Redis.from_url(
                url, socket_connect_timeout=2, health_check_interval=30
            ).pubsub(ignore_subscribe_messages=True)
            pubsub.subscribe(control_channel(app))
            live.subscribed.set()
            for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                try:
                    body = json.loads(message["data"])
                    if body.get("origin") == live.origin:
                        continue  # already applied when it was sent
                    apply(app, body["action"], body.get("data", {}))
                except Exception:
                    log.exception("bad control message %r", message.get("data"))
        except Exception:
            log.warning("control channel lost; reconnecting in 1s", exc_info=True)
        finally:
            if pubsub is not None:
                try:
                    pubsub.close()
                except Exception:
                    log.debug("closing the control subscription failed", exc_info=True)
        live.server.sleep(1)


def ensure_listening(app: Flask) -> None:
    """Start, once per app, the listeners that bring other processes' emits and control
    messages to this process's sockets. A no-op without Redis."""
    if not app.config.get("REDIS_URL"):
        return
    live = state(app)
    with live.lock:
        if live.listening:
            return
        live.listening = True
        if not live.server.manager_initialized:
            live.server.manager_initialized = True
            live.server.manager.initialize()
    live.server.start_background_task(listen, app)
    # Wait briefly for the subscription, so a change made right after the first socket
    # connects still reaches it; after that the listener reconnects on its own.
    live.subscribed.wait(2)
