"""A per-process task that cuts the sockets whose session no longer works.

Logout, revoked sessions, password changes and account deletion cut sockets at once through
control messages; what no message announces is a token that expires while its socket is
connected. Every `SOCKET_SWEEP_SECONDS` (1 s) the sweeper cuts this process's sockets whose
token has expired, an in-memory check, and any socket python-socketio holds connected that the
registry doesn't know (the registry is the truth: a socket it forgot must not listen). Every
`SOCKET_REVALIDATE_SECONDS` (30 s) it checks all of this process's sockets against the database
in one query, a safety net for a control message lost while Redis was away. It also keeps
this process's sockets counted in the per-user cap.

It runs while the app has sockets: started by the first connect, it stops when the last one
goes, so apps without sockets (CLI, tests) hold no task.
"""

from __future__ import annotations

import logging
import time

from flask import Flask

from neighbours.database import utcnow
from neighbours.realtime import caps
from neighbours.realtime.live import LiveState, authenticator, state
from neighbours.realtime.sockets import connected_sids, cut, cut_orphans

log = logging.getLogger(__name__)

# Session ids per revalidation query: one query up to this many sessions on a process.
_CHUNK = 5000


def ensure_sweeping(app: Flask) -> None:
    live = state(app)
    with live.lock:
        if live.sweeping:
            return
        live.sweeping = True
    live.server.start_background_task(run, app)


def run(app: Flask) -> None:
    live = state(app)
    interval = float(app.config["SOCKET_SWEEP_SECONDS"])
    revalidate_every = float(app.config["SOCKET_REVALIDATE_SECONDS"])
    next_revalidation = time.monotonic() + revalidate_every
    next_refresh = time.monotonic() + caps.REFRESH_SECONDS
    while True:
        live.server.sleep(interval)
        with live.lock:
            if not len(live.sockets) and not connected_sids(live):
                live.sweeping = False
                return
        try:
            now = time.monotonic()
            cut_orphans(live)
            cut_expired(app, live)
            if now >= next_revalidation:
                next_revalidation = now + revalidate_every
                revalidate(app, live)
            if now >= next_refresh:
                next_refresh = now + caps.REFRESH_SECONDS
                caps.refresh(app, live.origin, live.sockets.all())
        except Exception:
            log.exception("socket sweep failed")


def cut_expired(app: Flask, live: LiveState) -> None:
    now = utcnow()
    expired = [s for s in live.sockets.all() if s.expires_at is not None and s.expires_at <= now]
    if expired:
        cut(app, live, expired, "token expired", ended="expired")


def revalidate(app: Flask, live: LiveState) -> None:
    """Cut the sockets whose token is no longer valid (revoked, expired, user deleted): the
    authenticator accounts registered checks their session ids, a chunk per query."""
    sockets = live.sockets.all()
    token_ids = sorted({s.token_id for s in sockets})
    if not token_ids:
        return
    valid: set[int] = set()
    with app.app_context():
        check = authenticator(app)
        for start in range(0, len(token_ids), _CHUNK):
            valid.update(check.still_valid(token_ids[start : start + _CHUNK]))
    stale = [s for s in sockets if s.token_id not in valid]
    if stale:
        # A revocation or deletion whose control message was lost (Redis away).
        cut(app, live, stale, "session no longer valid", ended="revoked")
