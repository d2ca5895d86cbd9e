"""What the live layer does to sockets it holds: their rooms, forgetting and cutting them."""

from __future__ import annotations

import logging
import time

from flask import Flask, current_app

from neighbours.realtime import caps
from neighbours.realtime.catalog import SESSION_END_REASONS
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


# How long a cut or a re-sync is remembered for sockets that were connecting meanwhile: far
# longer than a connect takes.
_REMEMBER_SECONDS = 30.0


def _remember(marks: dict, user_id: int, value: object) -> None:
    now = time.monotonic()
    marks[user_id] = value
    if len(marks) > 1000:  # keep it small: drop what no connect can still be waiting on
        for key, mark in list(marks.items()):
            at = mark[0] if isinstance(mark, tuple) else mark
            if now - at > _REMEMBER_SECONDS:
                marks.pop(key, None)


def missed_while_connecting(live: LiveSocket, started: float, live_state: LiveState) -> str | None:
    """What happened to this socket's user on this process since its connect began:
    "cut:<reason>" (its session or user was cut: cut it too), "sync" (rooms changed: sync it
    again) or None."""
    cut = live_state.recent_cuts.get(live.user_id)
    if cut is not None and cut[0] >= started and cut[1] in (None, live.token_id):
        return f"cut:{cut[2]}"
    synced = live_state.recent_syncs.get(live.user_id)
    if synced is not None and synced >= started:
        return "sync"
    return None


def sync_rooms_for_user(user_id: int) -> None:
    """Bring this app's sockets of a user in line with their memberships."""
    _remember(state().recent_syncs, user_id, time.monotonic())
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


def _disconnect(live_state: LiveState, sid: str) -> None:
    """Disconnect a socket of this process, even one python-socketio is still connecting.

    Between the connect handler's return and python-socketio marking the socket connected, a
    disconnect does nothing (it is "pending"), and the socket would end up connected, in its
    rooms, and unknown to the registry: then try again as soon as it is connected.
    """
    server = live_state.server
    if server.manager.is_connected(sid, NAMESPACE):
        server.disconnect(sid, namespace=NAMESPACE, ignore_queue=True)
        return

    def when_connected() -> None:
        for _ in range(100):  # 5 s at most (a connect takes milliseconds), or it went away
            server.sleep(0.05)
            if server.manager.is_connected(sid, NAMESPACE):
                server.disconnect(sid, namespace=NAMESPACE, ignore_queue=True)
                return

    server.start_background_task(when_connected)


SESSION_ENDED = "session:ended"


def _tell_ended(live_state: LiveState, sid: str, reason: str) -> None:
    """`session:ended {reason}` to this one socket, straight to it (not through the queue:
    the socket is on this process, and the disconnect that follows is sent after it on the
    same connection, so the client always hears why before it is cut)."""
    try:
        live_state.server.emit(
            SESSION_ENDED, {"reason": reason}, to=sid, namespace=NAMESPACE, ignore_queue=True
        )
    except Exception:  # it went away meanwhile
        log.debug("could not tell %s its session ended", sid, exc_info=True)


def cut(
    app: Flask,
    live_state: LiveState,
    sockets: list[LiveSocket],
    why: str,
    *,
    ended: str | None = None,
) -> None:
    """Forget and disconnect sockets of this process, saying why in the log; when their
    session ended (`ended`, one of SESSION_END_REASONS), telling each socket first."""
    for socket in sockets:
        log.info("cutting socket %s of user %s: %s", socket.sid, socket.user_id, why)
        if ended is not None:
            _tell_ended(live_state, socket.sid, ended)
        forget(app, live_state, socket.sid)
        try:
            _disconnect(live_state, socket.sid)
        except Exception:  # it went away meanwhile
            log.debug("could not disconnect %s", socket.sid, exc_info=True)


def connected_sids(live_state: LiveState) -> list[str]:
    """The sockets python-socketio has connected on this process, whatever the registry says."""
    connected = live_state.server.manager.rooms.get(NAMESPACE, {}).get(None, {})
    return list(connected)


def cut_orphans(live_state: LiveState) -> int:
    """Disconnect sockets that are connected but unknown to the registry: the registry is the
    truth, and a socket it forgot must not keep listening in its rooms. Returns how many."""
    orphans = [sid for sid in connected_sids(live_state) if live_state.sockets.get(sid) is None]
    for sid in orphans:
        if live_state.server.manager.is_connected(sid, NAMESPACE):
            log.warning("socket %s connected but unknown to the registry: cut", sid)
            try:
                live_state.server.disconnect(sid, namespace=NAMESPACE, ignore_queue=True)
            except Exception:
                log.debug("could not disconnect %s", sid, exc_info=True)
    return len(orphans)


def disconnect_local(user_id: int, *, token_id: int | None = None, reason: str = "revoked") -> None:
    """Disconnect this app's sockets of a user (only those of one session if given), each
    told `session:ended {reason}` first."""
    if reason not in SESSION_END_REASONS:
        log.warning("unknown session end reason %r: said as revoked", reason)
        reason = "revoked"
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    live_state = state(app)
    _remember(live_state.recent_cuts, user_id, (time.monotonic(), token_id, reason))
    mine = [
        live
        for live in live_state.sockets.of_user(user_id)
        if token_id is None or live.token_id == token_id
    ]
    cut(app, live_state, mine, f"session ended: {reason}", ended=reason)
