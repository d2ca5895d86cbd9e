"""The live layer: Socket.IO on the default namespace, joined across processes by Redis."""

from __future__ import annotations

import threading

from flask import Flask

from neighbours.extensions import socketio
from neighbours.realtime import publish

_listeners: set[str] = set()
_listeners_lock = threading.Lock()


def ensure_control_listener(app: Flask) -> None:
    """Start, once per process, the listener that applies control messages to local sockets."""
    url = app.config.get("REDIS_URL")
    if not url:
        return
    with _listeners_lock:
        if url in _listeners:
            return
        _listeners.add(url)
    from neighbours.realtime.control import control_channel, listen

    socketio.start_background_task(listen, app, url, control_channel(app))


def init_app(app: Flask) -> None:
    publish.install()
    origins = app.config["CORS_ORIGINS"] or None  # None: same origin only
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        message_queue=app.config.get("REDIS_URL"),
        channel=f"{app.config['REDIS_CHANNEL_PREFIX']}:socketio",
        cors_allowed_origins=origins,
        logger=False,
        engineio_logger=False,
    )
    from neighbours.realtime import handlers  # noqa: F401  (registers the event handlers)
