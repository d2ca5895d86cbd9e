"""The live layer: Socket.IO on the default namespace, joined across processes by Redis."""

from __future__ import annotations

import logging

import socketio as sio
from flask import Flask

from neighbours.extensions import socketio
from neighbours.realtime import control, guard, handlers, publish
from neighbours.realtime.control import ensure_listening
from neighbours.realtime.holding import HoldingManager
from neighbours.realtime.live import NAMESPACE, LiveState, install_state, state
from neighbours.realtime.ordering import CONTROL_EVENT, InOrder

__all__ = ["NAMESPACE", "LiveState", "ensure_listening", "init_app", "state"]

log = logging.getLogger(__name__)


class RedisQueue(InOrder, sio.RedisManager, HoldingManager):
    """Socket.IO's Redis queue, connecting lazily and logging (never raising) a failed publish.

    Logged events reach this process's sockets in id order, from whichever process (`InOrder`).

    The library would also log, but as its own; the log line here names the event and room.
    What arrives from Redis goes through `HoldingManager.emit` (it sits between the queue and
    `Manager` in the class order), so a socket catching up holds it too.
    """

    # Publishes given up on: the event log's marking skips a transaction that lost one, so
    # the relay sends its events again once Redis is back.
    failures = 0

    def _publish(self, data: dict) -> int | None:
        for attempt in (1, 2):
            try:
                if not self.connected:
                    self._redis_connect()
                return self.redis.publish(self.channel, self.json.dumps(data))
            except Exception as exc:
                self.connected = False
                if attempt == 2:
                    self.failures += 1
                    log.error(
                        "live event not sent, Redis unreachable: %s %s to %s (%s)",
                        data.get("method"),
                        _what(data),
                        data.get("room", ""),
                        exc,
                    )
        return None


def _what(data: dict) -> str:
    """The event a pub/sub message carries; a control message by its action."""
    if data.get("event") == CONTROL_EVENT:
        body = data.get("data") or [{}]
        action = body[0].get("action") if isinstance(body[0], dict) else None
        return f"control {action}"
    return str(data.get("event", ""))


def _queue(app: Flask) -> RedisQueue | None:
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    return RedisQueue(
        url,
        channel=f"{app.config['REDIS_CHANNEL_PREFIX']}:socketio",
        # Connect on first use, and give up quickly when Redis is down: a request that emits
        # must not hang on it. No read timeout: the subscriber blocks while the channel is quiet.
        redis_options={"socket_connect_timeout": 2, "health_check_interval": 30},
        order_wait=float(app.config["EVENT_ORDER_WAIT_SECONDS"]),
        # Logged control messages come in the events' queue, carried out in id order.
        on_control=lambda action, data: control.apply(app, action, data),
    )


def init_app(app: Flask) -> None:
    publish.install()
    origins = app.config["CORS_ORIGINS"] or None  # None: same origin only
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        # Always given, so an app never inherits the queue of an app built before it.
        client_manager=_queue(app) or HoldingManager(),
        cors_allowed_origins=origins,
        logger=False,
        engineio_logger=False,
    )
    live = install_state(app, socketio.server)
    # Before any handler: reserved names, unknown sockets and floods stop here.
    guard.install(app, live)
    handlers.register(socketio)
