"""The one app of a test session, and how each test gets it back as it was.

Building an app costs tens of milliseconds (flask-smorest rebuilds the OpenAPI document), so a
worker builds one and every test uses it. What a test may change on it is put back afterwards:
its config, the live sockets it left open, the rate limiter's memory, and the module-wide
`socketio` extension, which every `create_app()` (`make_app`) rebinds to the newest app.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from flask import Flask, has_app_context

from neighbours import create_app
from neighbours.extensions import db, limiter, socketio
from tests.support.settings import base_config


def hand_over() -> None:
    """Commit what the test's own code left in its session, so the request sees it.

    Before each request had its own app context, test code and requests shared one session
    and the request committed whatever the test had set up; now the test commits it first.
    """
    if has_app_context() and db.session.registry.has():
        db.session.commit()


def own_app_context(app: Flask) -> None:
    """Run every request to `app` in an app context of its own, as a server does.

    The test's code has an app context of its own too, and Flask would run a request inside
    it (sharing its database session, `g` and teardown); this WSGI layer pushes a fresh one
    for each request, whatever client sends it (Flask's, werkzeug's, schemathesis').
    """
    inner = app.wsgi_app

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        hand_over()
        with app.app_context():
            return inner(environ, start_response)

    app.wsgi_app = wsgi  # type: ignore[method-assign]


def build_app(**overrides: Any) -> Flask:
    app = create_app(base_config(**overrides))
    own_app_context(app)
    return app


def bind_socketio(app: Flask) -> None:
    """Point the module-wide `socketio` back at `app`'s server (a later `create_app()` moved it)."""
    from neighbours.realtime import state

    server = state(app).server
    if socketio.server is not server:
        socketio.server = server
        socketio.async_mode = server.async_mode


def reset_limits() -> None:
    """Forget every counted attempt kept in memory (Redis storage is left alone)."""
    from limits.storage import MemoryStorage

    from neighbours.accounts import guard

    storage = getattr(limiter, "_storage", None)
    if isinstance(storage, MemoryStorage):
        storage.reset()
    guard._fallback = None


def cut_sockets(app: Flask) -> None:
    """Disconnect the sockets a test left open on the app, so none outlives it."""
    from neighbours.realtime import state

    live = state(app)
    for socket in list(live.sockets.all()):
        with suppress(Exception):
            live.server.disconnect(socket.sid, namespace="/", ignore_queue=True)


@contextmanager
def restored(app: Flask) -> Iterator[Flask]:
    """Run a test on the shared app and put back what it may have changed."""
    bind_socketio(app)
    config = dict(app.config)
    try:
        yield app
    finally:
        cut_sockets(app)
        app.config.clear()
        app.config.update(config)
        reset_limits()
