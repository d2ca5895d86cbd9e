"""The live layer: Socket.IO on the default namespace, joined across processes by Redis."""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field

import socketio as sio
from flask import Flask, current_app

from neighbours.extensions import socketio
from neighbours.realtime import publish
from neighbours.realtime.registry import Registry

log = logging.getLogger(__name__)
NAMESPACE = "/"
_STATE = "neighbours.realtime"


@dataclass
class LiveState:
    """What one app's live layer holds: its Socket.IO server and the sockets it serves.

    Kept per app rather than on the module-wide `socketio` extension, which is rebound by every
    `create_app()` (tests and CLI build several apps in one process).
    """

    server: sio.Server
    sockets: Registry = field(default_factory=Registry)
    # Tells this app's own control messages apart when they come back over Redis.
    origin: str = field(default_factory=lambda: uuid.uuid4().hex)
    listening: bool = False
    sweeping: bool = False
    subscribed: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


def state(app: Flask | None = None) -> LiveState:
    return (app or current_app).extensions[_STATE]


class RedisQueue(sio.RedisManager):
    """Socket.IO's Redis queue, connecting lazily and logging (never raising) a failed publish.

    The library would also log, but as its own; the log line here names the event and room.
    """

    def _publish(self, data: dict) -> int | None:
        for attempt in (1, 2):
            try:
                if not self.connected:
                    self._redis_connect()
                return self.redis.publish(self.channel, self.json.dumps(data))
            except Exception as exc:
                self.connected = False
                if attempt == 2:
                    log.error(
                        "live event not sent, Redis unreachable: %s %s to %s (%s)",
                        data.get("method"),
                        data.get("event", ""),
                        data.get("room", ""),
                        exc,
                    )
        return None


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
    )


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
    from neighbours.realtime.control import listen

    live.server.start_background_task(listen, app)
    # Wait briefly for the subscription, so a change made right after the first socket
    # connects still reaches it; after that the listener reconnects on its own.
    live.subscribed.wait(2)


def init_app(app: Flask) -> None:
    publish.install()
    origins = app.config["CORS_ORIGINS"] or None  # None: same origin only
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        # Always given, so an app never inherits the queue of an app built before it.
        client_manager=_queue(app),
        cors_allowed_origins=origins,
        logger=False,
        engineio_logger=False,
    )
    live = app.extensions[_STATE] = LiveState(server=socketio.server)
    from neighbours.realtime import guard, handlers

    # Before any handler: reserved names, unknown sockets and floods stop here.
    guard.install(app, live)
    handlers.register(socketio)
