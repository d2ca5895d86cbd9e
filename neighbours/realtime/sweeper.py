"""A per-process task that cuts the sockets whose session no longer works.

Logout, revoked sessions, password changes and account deletion cut sockets at once through
control messages; what no message announces is a token that expires while its socket is
connected. Every `SOCKET_SWEEP_SECONDS` (1 s) the sweeper cuts this process's sockets whose
token has expired, an in-memory check. Every `SOCKET_REVALIDATE_SECONDS` (30 s) it checks all of
this process's sockets against the database in one query, a safety net for a control message
lost while Redis was away. It also keeps this process's sockets counted in the per-user cap.

It runs while the app has sockets: started by the first connect, it stops when the last one
goes, so apps without sockets (CLI, tests) hold no task.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from flask import Flask
from sqlalchemy import select

from neighbours.realtime import caps

if TYPE_CHECKING:
    from neighbours.realtime import LiveState
    from neighbours.realtime.registry import LiveSocket

log = logging.getLogger(__name__)

# Token ids per revalidation query: one query up to this many sessions on a process.
_CHUNK = 5000


def ensure_sweeping(app: Flask) -> None:
    from neighbours.realtime import state

    live = state(app)
    with live.lock:
        if live.sweeping:
            return
        live.sweeping = True
    live.server.start_background_task(run, app)


def run(app: Flask) -> None:
    from neighbours.realtime import state

    live = state(app)
    interval = float(app.config["SOCKET_SWEEP_SECONDS"])
    revalidate_every = float(app.config["SOCKET_REVALIDATE_SECONDS"])
    next_revalidation = time.monotonic() + revalidate_every
    next_refresh = time.monotonic() + caps.REFRESH_SECONDS
    while True:
        live.server.sleep(interval)
        with live.lock:
            if not len(live.sockets):
                live.sweeping = False
                return
        try:
            now = time.monotonic()
            cut_expired(app, live)
            if now >= next_revalidation:
                next_revalidation = now + revalidate_every
                revalidate(app, live)
            if now >= next_refresh:
                next_refresh = now + caps.REFRESH_SECONDS
                caps.refresh(app, live.origin, live.sockets.all())
        except Exception:
            log.exception("socket sweep failed")


def cut(app: Flask, live: LiveState, sockets: list[LiveSocket], why: str) -> None:
    from neighbours.realtime.handlers import forget

    for socket in sockets:
        log.info("cutting socket %s of user %s: %s", socket.sid, socket.user_id, why)
        forget(app, live, socket.sid)
        try:
            live.server.disconnect(socket.sid, namespace="/", ignore_queue=True)
        except Exception:  # it went away meanwhile
            log.debug("could not disconnect %s", socket.sid, exc_info=True)


def cut_expired(app: Flask, live: LiveState) -> None:
    from neighbours.database import utcnow

    now = utcnow()
    expired = [s for s in live.sockets.all() if s.expires_at is not None and s.expires_at <= now]
    if expired:
        cut(app, live, expired, "token expired")


def revalidate(app: Flask, live: LiveState) -> None:
    """Cut the sockets whose token is no longer valid (revoked, expired, user deleted)."""
    from neighbours.accounts.models import AccessToken, User
    from neighbours.database import utcnow
    from neighbours.extensions import db

    sockets = live.sockets.all()
    token_ids = sorted({s.token_id for s in sockets})
    if not token_ids:
        return
    valid: set[int] = set()
    with app.app_context():
        now = utcnow()
        for start in range(0, len(token_ids), _CHUNK):
            valid.update(
                db.session.execute(
                    select(AccessToken.id)
                    .join(User, User.id == AccessToken.user_id)
                    .where(
                        AccessToken.id.in_(token_ids[start : start + _CHUNK]),
                        AccessToken.revoked_at.is_(None),
                        AccessToken.expires_at > now,
                        User.deleted_at.is_(None),
                    )
                ).scalars()
            )
    stale = [s for s in sockets if s.token_id not in valid]
    if stale:
        cut(app, live, stale, "session no longer valid")
