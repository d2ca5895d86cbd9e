"""Socket.IO: token auth on connect, rooms from the database, meal:watch / meal:unwatch."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, request
from sqlalchemy import select

from neighbours.auth import resolve_token
from neighbours.errors import AppError
from neighbours.extensions import db, socketio
from neighbours.realtime import registry
from neighbours.realtime.rooms import meal_room, moderators_room, neighbourhood_room, user_room

log = logging.getLogger(__name__)
NAMESPACE = "/"


def _live_rooms(user_id: int) -> dict[str, int | None]:
    """The neighbourhood rooms a user's sockets belong in: active, not suspended memberships.

    Returns room name -> neighbourhood id.
    """
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


def _sync(live: registry.LiveSocket) -> None:
    wanted = _live_rooms(live.user_id)
    current = set(socketio.server.rooms(live.sid, namespace=NAMESPACE) or [])
    current.discard(live.sid)
    active_neighbourhoods = {n for n in wanted.values() if n is not None}
    for meal_id, neighbourhood_id in list(live.watching.items()):
        if neighbourhood_id in active_neighbourhoods:
            wanted[meal_room(meal_id)] = neighbourhood_id
        else:
            live.watching.pop(meal_id, None)
    for room in current - set(wanted):
        socketio.server.leave_room(live.sid, room, namespace=NAMESPACE)
    for room in set(wanted) - current:
        socketio.server.enter_room(live.sid, room, namespace=NAMESPACE)


def sync_rooms_for_user(user_id: int) -> None:
    """Bring this process's sockets of a user in line with their memberships."""
    for live in registry.of_user(user_id):
        try:
            _sync(live)
        except Exception:  # a socket that went away meanwhile
            log.debug("could not sync rooms of %s", live.sid, exc_info=True)
    db.session.remove()


def disconnect_local(user_id: int, *, token_id: int | None = None) -> None:
    """Disconnect this process's sockets of a user (only those of one session if given)."""
    for live in registry.of_user(user_id):
        if token_id is None or live.token_id == token_id:
            registry.remove(live.sid)
            socketio.server.disconnect(live.sid, namespace=NAMESPACE)


@socketio.on("connect")
def on_connect(auth: Any = None) -> bool:
    token = auth.get("token") if isinstance(auth, dict) else None
    row = resolve_token(token if isinstance(token, str) else None)
    if row is None:
        raise ConnectionRefusedError("unauthorized")
    from neighbours.realtime import ensure_control_listener

    ensure_control_listener(current_app._get_current_object())  # type: ignore[attr-defined]
    live = registry.add(request.sid, row.user_id, row.id)  # type: ignore[attr-defined]
    for room in _live_rooms(live.user_id):
        socketio.server.enter_room(live.sid, room, namespace=NAMESPACE)
    return True


@socketio.on("disconnect")
def on_disconnect(*_args: Any) -> None:
    registry.remove(request.sid)  # type: ignore[attr-defined]


def _error(exc: AppError | str) -> dict[str, Any]:
    if isinstance(exc, AppError):
        return {"ok": False, "error": {"code": exc.code, "message": exc.message}}
    return {"ok": False, "error": {"code": 422, "message": exc}}


def _meal_id(data: Any) -> int | None:
    value = data.get("meal_id") if isinstance(data, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


@socketio.on("meal:watch")
def on_meal_watch(data: Any = None) -> dict[str, Any]:
    """Watch a meal's seats; only members of its neighbourhood may."""
    live = registry.get(request.sid)  # type: ignore[attr-defined]
    if live is None:
        return _error(AppError("Not connected."))
    meal_id = _meal_id(data)
    if meal_id is None:
        return _error("meal_id: a positive integer is required.")
    from neighbours.accounts.models import User
    from neighbours.meals.services import watchable_meal

    user = db.session.get(User, live.user_id)
    try:
        if user is None:
            raise AppError("Not connected.")
        neighbourhood_id, availability = watchable_meal(user, meal_id)
    except AppError as exc:
        return _error(exc)
    live.watching[meal_id] = neighbourhood_id
    socketio.server.enter_room(live.sid, meal_room(meal_id), namespace=NAMESPACE)
    return {"ok": True, "meal_id": meal_id, "availability": availability}


@socketio.on("meal:unwatch")
def on_meal_unwatch(data: Any = None) -> dict[str, Any]:
    live = registry.get(request.sid)  # type: ignore[attr-defined]
    meal_id = _meal_id(data)
    if live is None or meal_id is None:
        return _error("meal_id: a positive integer is required.")
    live.watching.pop(meal_id, None)
    socketio.server.leave_room(live.sid, meal_room(meal_id), namespace=NAMESPACE)
    return {"ok": True, "meal_id": meal_id}
