"""Socket.IO: sign-in on connect (through the registered authenticator), rooms from the
registered providers, the per-user cap, and the error ack. Feature events are registered by
their features (see `live.on_event`)."""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_socketio import SocketIO

from neighbours.errors import AppError
from neighbours.extensions import db
from neighbours.i18n import language_for
from neighbours.realtime import caps, replay
from neighbours.realtime.control import ensure_listening
from neighbours.realtime.errors import Refused, error_ack
from neighbours.realtime.live import NAMESPACE, authenticator, state
from neighbours.realtime.registry import LiveSocket
from neighbours.realtime.relay import ensure_relaying
from neighbours.realtime.sockets import (
    disconnect_local,
    forget,
    missed_while_connecting,
    rooms_of,
    sync_rooms_for_user,
)
from neighbours.realtime.sweeper import ensure_sweeping

__all__ = ["app_error_ack", "disconnect_local", "forget", "register", "sync_rooms_for_user"]

log = logging.getLogger(__name__)


def on_connect(auth: Any = None) -> bool:
    """Accept a socket with a live token and put it in the rooms its providers give.

    Refused (`connect_error` {message, reason}) with `unauthorized` without a live token,
    `expired` when its session ran out, `too_many_sockets` when the user already holds
    `SOCKETS_PER_USER` sockets across every process, and with the reason of a cut that
    happened while it was connecting (`logged_out`, `revoked`, `deleted`...).
    With `last_event_id` the socket first receives what it missed (`replay`); connect hooks
    read the rest of `auth`.
    """
    started = time.monotonic()
    token = auth.get("token") if isinstance(auth, dict) else None
    token = token if isinstance(token, str) else None
    check = authenticator()
    identity = check.authenticate(token)
    if identity is None:
        raise Refused(check.refusal(token))
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    ensure_listening(app)
    live_state = state(app)
    sid = request.sid  # type: ignore[attr-defined]
    user_id = identity.user_id
    mine = live_state.sockets.of_user(user_id)
    if not caps.claim(app, live_state.origin, user_id, sid, mine):
        raise Refused("too_many_sockets")
    after = replay.last_event_id(auth)
    try:
        signing_in = LiveSocket(sid, user_id, identity.token_id)
        for hook in live_state.connect_hooks:
            hook(signing_in, auth if isinstance(auth, dict) else {})
        rooms = rooms_of(signing_in, live_state)
    except Exception:
        caps.release(app, live_state.origin, user_id, sid)
        raise
    live = live_state.sockets.add(
        sid,
        user_id,
        identity.token_id,
        identity.expires_at,
        language_for(identity.locale),
        signing_in.extras,
    )
    if after is not None:
        replay.start(live_state, sid)  # before its rooms: hold what they send meanwhile
    for room in rooms:
        live_state.server.enter_room(live.sid, room, namespace=NAMESPACE)
    if after is not None:
        replay.prepare(live_state, sid, after, list(rooms), user_id)
    # A logout or a membership change told to this process while this socket was being signed
    # in found nothing to act on: act on it now.
    missed = missed_while_connecting(live, started, live_state)
    if missed is not None and missed.startswith("cut:"):
        forget(app, live_state, sid)
        raise Refused(missed.removeprefix("cut:"))
    if missed == "sync":
        sync_rooms_for_user(user_id)
    ensure_sweeping(app)
    ensure_relaying(app)
    return True


def on_disconnect(*_args: Any) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    forget(app, state(app), request.sid)  # type: ignore[attr-defined]


def app_error_ack(exc: AppError) -> dict[str, Any]:
    """An `AppError` as an error ack, with its reason and per-field errors."""
    return error_ack(exc.code, exc.message, reason=exc.reason, errors=exc.errors)


def on_error(exc: BaseException) -> dict[str, Any]:
    """Any exception in a handler: logged, the session rolled back, and an error ack (never
    silence). An exception while connecting refuses the connection."""
    event = getattr(request, "event", None) or {}
    log.error("socket event %r failed", event.get("message"), exc_info=exc)
    try:
        db.session.rollback()
    except Exception:
        log.debug("rollback after a failed socket event failed", exc_info=True)
    if event.get("message") == "connect":
        raise Refused("server_error")
    return error_ack(500, _l("Something went wrong on our side; try again."))


def register(socketio: SocketIO) -> None:
    """Put the handlers on the server just built (every `create_app()` builds a new one)."""
    socketio.on_error_default(on_error)
    socketio.on_event("connect", on_connect, namespace=NAMESPACE)
    socketio.on_event("disconnect", on_disconnect, namespace=NAMESPACE)
