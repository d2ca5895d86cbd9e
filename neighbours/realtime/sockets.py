"""What the live layer does to sockets it holds: their rooms, forgetting and cutting them."""

from __future__ import annotations

import logging

from flask import Flask, current_app

from neighbours.realtime import caps
from neighbours.realtime.live import NAMESPACE, LiveState, state
from neighbours.realtime.registry import LiveSocket
from neighbours.realtime.rooms import user_room

log = logging.getLogger(__name__)


def rooms_of(live: LiveSocket, live_state: LiveState | None = None) -> dict[str, int | None]:
    """The rooms a socket belongs in, room -> scope: its user's own room, then what each
    registered provider adds (neighbourhoods: the rooms of active, not suspended memberships;
    meals: the meals it watches that are still in those neighbourhoods and visible)."""
    rooms: dict[str, int | None] = {user_room(live.user_id): None}
    for provider in (live_state or state()).room_providers:
        rooms.update(provider(live, dict(rooms)))
    return rooms


def _sync(live: LiveSocket) -> None:
    server = state().server
    wanted = rooms_of(live)
    current = set(server.rooms(live.sid, namespace=NAMESPACE) or [])
    current.discard(live.sid)
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


def cut(app: Flask, live_state: LiveState, sockets: list[LiveSocket], why: str) -> None:
    """Forget and disconnect sockets of this process, saying why in the log."""
    for socket in sockets:
        log.info("cutting socket %s of user %s: %s", socket.sid, socket.user_id, why)
        forget(app, live_state, socket.sid)
        try:
            live_state.server.disconnect(socket.sid, namespace=NAMESPACE, ignore_queue=True)
        except Exception:  # it went away meanwhile
            log.debug("could not disconnect %s", socket.sid, exc_info=True)


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
