"""The cap on live sockets per user, held across processes.

With Redis, each user has a sorted set `<prefix>:sockets:<user id>` of `<process>:<sid>`
members scored by when they lapse; each process's sweeper pushes that time forward for its own
sockets, so the sockets of a process that died stop counting after `LAPSE_SECONDS`. Without
Redis there is one process, and its registry is the count. If Redis fails, a connection is let
through (logged): the cap protects the server, it must not lock people out.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

import redis
from flask import Flask

from neighbours.realtime.clients import redis_client
from neighbours.realtime.registry import LiveSocket

log = logging.getLogger(__name__)

# How long a socket counts without its process refreshing it, and how often it is refreshed.
LAPSE_SECONDS = 60
REFRESH_SECONDS = 15

# Drop lapsed members, then add this one if there is room. Atomic, so two processes racing
# for the last place cannot both take it.
_CLAIM = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


def enabled(app: Flask) -> bool:
    return bool(app.config.get("LIMITS_ENABLED")) and app.config.get("SOCKETS_PER_USER", 0) > 0


def _key(app: Flask, user_id: int) -> str:
    return f"{app.config['REDIS_CHANNEL_PREFIX']}:sockets:{user_id}"


def _member(origin: str, sid: str) -> str:
    return f"{origin}:{sid}"


def _redis(app: Flask) -> redis.Redis:
    return redis_client(app.config["REDIS_URL"])


def claim(app: Flask, origin: str, user_id: int, sid: str, local: list[LiveSocket]) -> bool:
    """Count a new socket of `user_id`; False if the user already holds the cap.

    `local` is this process's sockets of the user, the count when there is no Redis.
    """
    if not enabled(app):
        return True
    cap = app.config["SOCKETS_PER_USER"]
    if not app.config.get("REDIS_URL"):
        return len(local) < cap
    now = time.time()
    try:
        return bool(
            _redis(app).eval(
                _CLAIM,
                1,
                _key(app, user_id),
                now,
                cap,
                now + LAPSE_SECONDS,
                _member(origin, sid),
                LAPSE_SECONDS,
            )
        )
    except Exception as exc:
        log.warning("socket cap not checked, Redis unreachable: user %s (%s)", user_id, exc)
        return True


def release(app: Flask, origin: str, user_id: int, sid: str) -> None:
    if not enabled(app) or not app.config.get("REDIS_URL"):
        return
    try:
        _redis(app).zrem(_key(app, user_id), _member(origin, sid))
    except Exception as exc:
        log.warning("socket cap not released, Redis unreachable: user %s (%s)", user_id, exc)


def refresh(app: Flask, origin: str, sockets: Iterable[LiveSocket]) -> None:
    """Keep this process's sockets counted: push their lapse time forward (existing members
    only, so a socket released meanwhile is not counted again)."""
    if not enabled(app) or not app.config.get("REDIS_URL"):
        return
    lapse = time.time() + LAPSE_SECONDS
    try:
        pipe = _redis(app).pipeline(transaction=False)
        for live in sockets:
            key = _key(app, live.user_id)
            pipe.zadd(key, {_member(origin, live.sid): lapse}, xx=True)
            pipe.expire(key, LAPSE_SECONDS)
        pipe.execute()
    except Exception as exc:
        log.warning("socket cap not refreshed, Redis unreachable (%s)", exc)
