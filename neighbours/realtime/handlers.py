"""Socket.IO: token auth on connect, rooms from the database, meal:watch / meal:unwatch."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, request
from flask_socketio import SocketIO
from socketio.exceptions import ConnectionRefusedError as Refused
from sqlalchemy import select

from neighbours.auth import resolve_token
from neighbours.errors import AppError, Unauthorized
from neighbours.extensions import db
from neighbours.fields import MAX_ID
from neighbours.realtime import NAMESPACE, LiveState, caps, ensure_listening, state
from neighbours.realtime.errors import error_ack
from neighbours.realtime.registry import LiveSocket
from neighbours.realtime.rooms import meal_room, moderators_room, neighbourhood_room, user_room
from neighbours.realtime.sweeper import ensure_sweeping

log = logging.getLogger(__name__)


def _live_rooms(user_id: int) -> dict[str, int | None]:
    """The rooms a user's sockets belong in: their own, and those of active, not suspended
    memberships. Returns room name -> neighbourhood id (None for the user's room)."""
    from neighbours.neighbourhoods.models import Membership, MembershipStatus, Role
    from neighbours.neighbourhoods.policies import can_write_membership

    rows = db.session.execute(
        select(Membership).where(
            Membership.user_id == user_id, Membership.status == MembershipStatus.ACTIVE
        )
    ).scalars()
    rooms: dict[str, int | None] = {user_room(user_id): None}
    for membership in rows:
        if not can_write_membership(membership):
            continue
        rooms[neighbourhood_room(membership.neighbourhood_id)] = membership.neighbourhood_id
        if membership.role == Role.MODERATOR:
            rooms[moderators_room(membership.neighbourhood_id)] = membership.neighbourhood_id
    return rooms


def _sync(live: LiveSocket) -> None:
    from neighbours.meals.policies import still_watchable

    server = state().server
    wanted = _live_rooms(live.user_id)
    current = set(server.rooms(live.sid, namespace=NAMESPACE) or [])
    current.discard(live.sid)
    active_neighbourhoods = {n for n in wanted.values() if n is not None}
    # A draft stays watched only by its current hosts (a demoted host stops hearing it).
    visible = still_watchable(live.user_id, list(live.watching))
    for meal_id, neighbourhood_id in list(live.watching.items()):
        if neighbourhood_id in active_neighbourhoods and meal_id in visible:
            wanted[meal_room(meal_id)] = neighbourhood_id
        else:
            live.watching.pop(meal_id, None)
    for room in current - set(wanted):
        server.leave_room(live.sid, room, namespace=NAMESPACE)
    for room in set(wanted) - current:
        server.enter_room(live.sid, room, namespace=NAMESPACE)


def sync_rooms_for_user(user_id: int) -> None:
    """Bring this app's sockets of a user in line with their memberships."""
    for live in state().sockets.of_user(user_id):
        try:
            _sync(live)
        except Exception:  # a socket that went away meanwhile
            log.debug("could not sync rooms of %s", live.sid, exc_info=True)


def forget(app: Flask, live_state: LiveState, sid: str) -> LiveSocket | None:
    """Take a socket out of the registry and the per-user cap (once; later calls do nothing)."""
    live = live_state.sockets.remove(sid)
    if live is not None:
        caps.release(app, live_state.origin, live.user_id, sid)
    return live


def disconnect_local(user_id: int, *, token_id: int | None = None) -> None:
    """Disconnect this app's sockets of a user (only those of one session if given)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    live_state = state(app)
    for live in live_state.sockets.of_user(user_id):
        if token_id is not None and live.token_id != token_id:
            continue
        forget(app, live_state, live.sid)
        try:
            live_state.server.disconnect(live.sid, namespace=NAMESPACE, ignore_queue=True)
        except Exception:  # it went away meanwhile
            log.debug("could not disconnect %s", live.sid, exc_info=True)


def on_connect(auth: Any = None) -> bool:
    """Accept a socket with a live token and put it in its user's and neighbourhoods' rooms.

    Refused with `unauthorized` without a live token, and with `too_many_sockets` when the
    user already holds `SOCKETS_PER_USER` sockets across every process.
    """
    token = auth.get("token") if isinstance(auth, dict) else None
    row = resolve_token(token if isinstance(token, str) else None)
    if row is None:
        raise Refused("unauthorized")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    ensure_listening(app)
    live_state = state(app)
    sid = request.sid  # type: ignore[attr-defined]
    mine = live_state.sockets.of_user(row.user_id)
    if not caps.claim(app, live_state.origin, row.user_id, sid, mine):
        raise Refused("too_many_sockets")
    try:
        rooms = _live_rooms(row.user_id)
    except Exception:
        caps.release(app, live_state.origin, row.user_id, sid)
        raise
    live = live_state.sockets.add(sid, row.user_id, row.id, row.expires_at)
    for room in rooms:
        live_state.server.enter_room(live.sid, room, namespace=NAMESPACE)
    ensure_sweeping(app)
    return True


def on_disconnect(*_args: Any) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    forget(app, state(app), request.sid)  # type: ignore[attr-defined]


def _error(code: int, message: str, field: str | None = None) -> dict[str, Any]:
    return error_ack(code, message, field)


def _app_error(exc: AppError) -> dict[str, Any]:
    error = _error(exc.code, exc.message)
    if exc.errors:
        error["error"]["errors"] = exc.errors
    return error


def _meal_id(data: Any) -> int | None:
    """A meal id from 1 to MAX_ID (the database's INTEGER), or None."""
    value = data.get("meal_id") if isinstance(data, dict) else None
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
        return value
    return None


_BAD_MEAL_ID = f"meal_id must be an integer from 1 to {MAX_ID}."


def _watchable_meal(user: Any, meal_id: int) -> tuple[int, dict[str, Any], int]:
    from neighbours.meals.services import watchable_meal

    return watchable_meal(user, meal_id)


def on_meal_watch(data: Any = None) -> dict[str, Any]:
    """Watch a meal's seats; only members of its neighbourhood may."""
    live = state().sockets.get(request.sid)  # type: ignore[attr-defined]
    if live is None:
        return _app_error(Unauthorized("This socket is not signed in."))
    meal_id = _meal_id(data)
    if meal_id is None:
        return _error(422, _BAD_MEAL_ID, "meal_id")
    from neighbours.accounts.models import User

    user = db.session.get(User, live.user_id)
    try:
        if user is None or user.deleted_at is not None:
            raise Unauthorized("This socket is not signed in.")
        neighbourhood_id, availability, version = _watchable_meal(user, meal_id)
    except AppError as exc:
        return _app_error(exc)
    from neighbours.neighbourhoods.policies import can_write

    if not can_write(user, neighbourhood_id):
        # A suspended member reads over REST, but their sockets stay out of its rooms.
        return _error(403, "You can't follow this neighbourhood live right now.")
    live.watching[meal_id] = neighbourhood_id
    state().server.enter_room(live.sid, meal_room(meal_id), namespace=NAMESPACE)
    # The version lets the client drop any `meal:availability` older than this snapshot.
    return {"ok": True, "meal_id": meal_id, "availability": availability, "version": version}


def on_meal_unwatch(data: Any = None) -> dict[str, Any]:
    """Stop watching a meal."""
    live = state().sockets.get(request.sid)  # type: ignore[attr-defined]
    if live is None:
        return _app_error(Unauthorized("This socket is not signed in."))
    meal_id = _meal_id(data)
    if meal_id is None:
        return _error(422, _BAD_MEAL_ID, "meal_id")
    live.watching.pop(meal_id, None)
    state().server.leave_room(live.sid, meal_room(meal_id), namespace=NAMESPACE)
    return {"ok": True, "meal_id": meal_id}


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
    return _error(500, "Something went wrong on our side; try again.")


def register(socketio: SocketIO) -> None:
    """Put the handlers on the server just built (every `create_app()` builds a new one)."""
    socketio.on_error_default(on_error)
    socketio.on_event("connect", on_connect, namespace=NAMESPACE)
    socketio.on_event("disconnect", on_disconnect, namespace=NAMESPACE)
    socketio.on_event("meal:watch", on_meal_watch, namespace=NAMESPACE)
    socketio.on_event("meal:unwatch", on_meal_unwatch, namespace=NAMESPACE)
