"""Every setting the app reads, taken from the environment with a documented default.

The README's configuration table lists the same names; keep them in step.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from typing import Any

log = logging.getLogger(__name__)

TRUE = {"1", "true", "yes", "on"}


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name)
    return default if value is None or value == "" else value.strip().lower() in TRUE


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name)
    return default if value is None or value == "" else int(value)


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    value = env.get(name)
    return default if value is None or value == "" else float(value)


def normalise_database_url(url: str) -> str:
    """Accept the `postgres://` and `postgresql://` forms hosting platforms hand out.

    SQLAlchemy would pick psycopg2 for a bare `postgresql://`; we run psycopg 3 (cooperative
    under gevent), so name the driver explicitly.
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def from_env(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config dict from environment variables."""
    env = os.environ if env is None else env
    environment = env.get("NEIGHBOURS_ENV", "development")
    production = environment == "production"

    secret_key = env.get("SECRET_KEY")
    if not secret_key:
        if production:
            raise RuntimeError("SECRET_KEY must be set when NEIGHBOURS_ENV=production")
        secret_key = secrets.token_hex(32)
        # Expected on a development machine (`make run`): nothing to alarm anyone there.
        log.log(
            logging.INFO if environment == "development" else logging.WARNING,
            "SECRET_KEY is not set: generated a random one for this process",
        )

    database_url = env.get("DATABASE_URL") or ""
    redis_url = env.get("REDIS_URL") or None
    cors = [o.strip() for o in env.get("CORS_ORIGINS", "").split(",") if o.strip()]

    return {
        "NEIGHBOURS_ENV": environment,
        "SECRET_KEY": secret_key,
        # Empty means "a SQLite file under instance/": resolved in create_app, which knows
        # the instance path.
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url) if database_url else "",
        # A pooled connection is pinged before use only when it sat idle this long
        # (`neighbours.database_events.ping_after_idle`), not at every checkout.
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "DATABASE_PING_AFTER_IDLE_SECONDS": _int(env, "DATABASE_PING_AFTER_IDLE_SECONDS", 5),
        "REDIS_URL": redis_url,
        # Prefix of the Redis pub/sub channels (Socket.IO queue, control); lets several
        # deployments or test runs share one Redis without hearing each other.
        "REDIS_CHANNEL_PREFIX": env.get("REDIS_CHANNEL_PREFIX", "neighbours"),
        "TOKEN_TTL_SECONDS": _int(env, "TOKEN_TTL_SECONDS", 30 * 24 * 3600),
        "CORS_ORIGINS": cors,
        # Proxies in front of the app that set X-Forwarded-For/-Proto (0: none, the default;
        # trust the headers only when a proxy you run sets them, or clients could forge them).
        "TRUSTED_PROXIES": _int(env, "TRUSTED_PROXIES", 0),
        # The language of responses for a caller with no setting and no usable
        # Accept-Language: "en" or "fr".
        "DEFAULT_LOCALE": env.get("DEFAULT_LOCALE", "en"),
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO").upper(),
        "SOCKETIO_ASYNC_MODE": env.get("SOCKETIO_ASYNC_MODE", "threading"),
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 1024 * 1024),
        "INVITE_TTL_HOURS": _int(env, "INVITE_TTL_HOURS", 7 * 24),
        "IDEMPOTENCY_TTL_HOURS": _int(env, "IDEMPOTENCY_TTL_HOURS", 24),
        # Rate limits, in Flask-Limiter notation. RATELIMIT_ENABLED=false in the environment
        # turns every limit and posting cap off. Flask-Limiter's own switch stays on (it is
        # process-global); a request filter reads LIMITS_ENABLED per app.
        "LIMITS_ENABLED": _bool(env, "RATELIMIT_ENABLED", True),
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_LOGIN_IP": env.get("RATELIMIT_LOGIN_IP", "30 per 15 minutes"),
        # Failed logins: per (account, address) so a stranger can't lock the owner out, and a
        # looser per-account ceiling against guessing spread over many addresses.
        "RATELIMIT_LOGIN_ACCOUNT_IP": env.get("RATELIMIT_LOGIN_ACCOUNT_IP", "5 per 15 minutes"),
        "RATELIMIT_LOGIN_ACCOUNT": env.get("RATELIMIT_LOGIN_ACCOUNT", "50 per hour"),
        # Wrong current passwords on POST /me/password and DELETE /me, per account.
        "RATELIMIT_PASSWORD_CHECK": env.get("RATELIMIT_PASSWORD_CHECK", "5 per 15 minutes"),
        "RATELIMIT_REGISTER": env.get("RATELIMIT_REGISTER", "10 per hour"),
        "RATELIMIT_INVITES": env.get("RATELIMIT_INVITES", "50 per day"),
        "RATELIMIT_JOIN": env.get("RATELIMIT_JOIN", "30 per hour"),
        "RATELIMIT_EXPORT": env.get("RATELIMIT_EXPORT", "1 per hour"),
        # GET /events (a catch-up over REST reads up to EVENT_REPLAY_MAX rows), per user.
        "RATELIMIT_EVENTS": env.get("RATELIMIT_EVENTS", "60 per minute"),
        # Live sockets: events per socket (token bucket; off with RATELIMIT_ENABLED=false),
        # sockets per user across processes, and how often each process checks its sockets.
        "SOCKET_EVENT_RATE": _float(env, "SOCKET_EVENT_RATE", 10.0),
        "SOCKET_EVENT_BURST": _int(env, "SOCKET_EVENT_BURST", 30),
        "SOCKETS_PER_USER": _int(env, "SOCKETS_PER_USER", 20),
        "SOCKET_SWEEP_SECONDS": _float(env, "SOCKET_SWEEP_SECONDS", 1.0),
        "SOCKET_REVALIDATE_SECONDS": _float(env, "SOCKET_REVALIDATE_SECONDS", 30.0),
        # The event log (README, "Never miss an event"): every live event is written in the
        # transaction that causes it; a relay in each process delivers, after
        # EVENT_RELAY_GRACE_SECONDS, what was logged but not emitted (every
        # EVENT_RELAY_SECONDS; 0 turns it off); a reconnecting client replays up to
        # EVENT_REPLAY_MAX events of the last EVENT_RETENTION_HOURS, else gets `sync:reset`.
        "EVENT_LOG_ENABLED": _bool(env, "EVENT_LOG_ENABLED", True),
        "EVENT_RELAY_SECONDS": _float(env, "EVENT_RELAY_SECONDS", 1.0),
        "EVENT_RELAY_GRACE_SECONDS": _float(env, "EVENT_RELAY_GRACE_SECONDS", 2.0),
        "EVENT_REPLAY_MAX": _int(env, "EVENT_REPLAY_MAX", 1000),
        # Replays a user may ask of one process (a burst, refilled per minute); past it a
        # reconnect gets `sync:reset` (cheap) instead of the events (a flood of reconnects
        # with an old `last_event_id` must not stall the process).
        "EVENT_REPLAYS_PER_MINUTE": _float(env, "EVENT_REPLAYS_PER_MINUTE", 10.0),
        "EVENT_RETENTION_HOURS": _float(env, "EVENT_RETENTION_HOURS", 48.0),
        # With Redis: how long a logged event waits for the lower ids committed before it (by
        # another process, whose emit comes over Redis) so each process sends them in order.
        "EVENT_ORDER_WAIT_SECONDS": _float(env, "EVENT_ORDER_WAIT_SECONDS", 0.25),
        # Tests only: commit and log events but never emit them (the relay must deliver).
        "EVENT_TEST_SKIP_EMIT": _bool(env, "EVENT_TEST_SKIP_EMIT", False),
        # Tests only: wait this long between a commit and its emits (a slow process).
        "EVENT_TEST_EMIT_DELAY_SECONDS": _float(env, "EVENT_TEST_EMIT_DELAY_SECONDS", 0.0),
        # The job runner (README, "Jobs, reminders and briefs"): huey on Redis when REDIS_URL
        # is set, else on a SQLite file (JOBS_SQLITE_PATH, default instance/jobs.db).
        "JOBS_QUEUE": env.get("JOBS_QUEUE", "neighbours"),
        "JOBS_SQLITE_PATH": env.get("JOBS_SQLITE_PATH", ""),
        # `python -m neighbours` (make run, make serve) runs a consumer in a thread of its own.
        "JOBS_IN_PROCESS": _bool(env, "JOBS_IN_PROCESS", True),
        "JOBS_WORKERS": _int(env, "JOBS_WORKERS", 2),
        # A failing task is tried again JOBS_RETRIES times, after RETRY_DELAY seconds, then
        # that times BACKOFF, and so on.
        "JOBS_RETRIES": _int(env, "JOBS_RETRIES", 5),
        "JOBS_RETRY_DELAY_SECONDS": _float(env, "JOBS_RETRY_DELAY_SECONDS", 10.0),
        "JOBS_RETRY_BACKOFF": _float(env, "JOBS_RETRY_BACKOFF", 2.0),
        # Each consumer writes a heartbeat this often; /readyz calls the consumers stale when
        # the newest is older than JOBS_STALE_SECONDS, and answers 503 for it only with
        # READYZ_REQUIRES_JOBS=true (by default it reports, see the README).
        "JOBS_HEARTBEAT_SECONDS": _float(env, "JOBS_HEARTBEAT_SECONDS", 10.0),
        "JOBS_STALE_SECONDS": _float(env, "JOBS_STALE_SECONDS", 120.0),
        "READYZ_REQUIRES_JOBS": _bool(env, "READYZ_REQUIRES_JOBS", False),
        # The free-seats digest goes out at this local time (each neighbourhood's canteens'
        # time zone).
        "FREE_SEATS_DIGEST_AT": env.get("FREE_SEATS_DIGEST_AT", "20:00"),
        # Meal series: how many weeks ahead their meals are generated.
        "SERIES_WEEKS_AHEAD": _int(env, "SERIES_WEEKS_AHEAD", 4),
        # Calendars: the domain in every meal's iCalendar UID (set it once, never change
        # it: calendar apps know a meal by it), and fetches of one secret feed.
        "CALENDAR_UID_DOMAIN": env.get("CALENDAR_UID_DOMAIN", "neighbours.local"),
        "RATELIMIT_CALENDAR_FEED": env.get("RATELIMIT_CALENDAR_FEED", "60 per hour"),
        # Moderation defaults; each neighbourhood's moderators may override them.
        "REPORT_THRESHOLD": _int(env, "REPORT_THRESHOLD", 3),
        "LIMIT_NEW_MEMBER_POSTS": _int(env, "LIMIT_NEW_MEMBER_POSTS", 3),
        "LIMIT_DAILY_POSTS": _int(env, "LIMIT_DAILY_POSTS", 10),
        "LIMIT_DAILY_COMMENTS": _int(env, "LIMIT_DAILY_COMMENTS", 50),
        "LIMIT_DAILY_REPORTS": _int(env, "LIMIT_DAILY_REPORTS", 20),
        "LIMIT_DAILY_CONVERSATIONS": _int(env, "LIMIT_DAILY_CONVERSATIONS", 10),
        "LIMIT_DAILY_MESSAGES": _int(env, "LIMIT_DAILY_MESSAGES", 300),
        # flask-smorest / OpenAPI
        "API_TITLE": "neighbours",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "JSON_SORT_KEYS": False,
    }
