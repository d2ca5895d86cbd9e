"""Passwords (argon2id), bearer tokens (random, stored only as a hash) and the current user.

The same helpers serve REST routes and the Socket.IO connect handler.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Callable, Hashable, Sequence
from datetime import timedelta
from typing import Any, NamedTuple, Protocol, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, bindparam, select
from sqlalchemy.orm import contains_eager

from neighbours.accounts.models import AccessToken, User
from neighbours.database import utcnow
from neighbours.errors import Unauthorized
from neighbours.extensions import db
from neighbours.web import require_declared_body

F = TypeVar("F", bound=Callable[..., Any])

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# A hash of a random password, verified against when the email is unknown so that an unknown
# email and a wrong password take the same time and give the same 401.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password against a stored hash; a missing hash still costs one verification."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def hash_token(token: str) -> str:
    """Tokens are stored only as their SHA-256: they are long and random, so no salt is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    user: User, *, user_agent: str | None = None, ip: str | None = None
) -> tuple[str, AccessToken]:
    """Create a session token for a user; the caller commits. Returns (plaintext, row)."""
    plaintext = secrets.token_urlsafe(32)
    ttl = timedelta(seconds=current_app.config["TOKEN_TTL_SECONDS"])
    row = AccessToken(
        user=user,
        token_hash=hash_token(plaintext),
        expires_at=utcnow() + ttl,
        user_agent=(user_agent or "")[:200] or None,
        ip=ip,
    )
    db.session.add(row)
    return plaintext, row


# Built once: the statement is the same for every token (its hash is a parameter), and
# building a statement costs more than running it.
_TOKEN = (
    select(AccessToken)
    .join(AccessToken.user)
    .options(contains_eager(AccessToken.user))  # every authenticated request needs the user
    .where(AccessToken.token_hash == bindparam("token_hash"), User.deleted_at.is_(None))
)


def _alive(row: AccessToken | None) -> AccessToken | None:
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    return row


def resolve_token(token: str | None) -> AccessToken | None:
    """The live token row for a plaintext token, or None if unknown, expired or revoked."""
    if not token:
        return None
    found = db.session.execute(_TOKEN, {"token_hash": hash_token(token)}).scalar_one_or_none()
    return _alive(found)


# --- what the request's token query brings along ---------------------------------------------
# A seam (filled by `neighbours.wiring`): a higher feature may add columns to the query that
# reads the request's token, so that one statement both authenticates and fetches what the
# request's policies will ask (neighbourhoods: the caller's membership of the neighbourhood the
# path names). For each request a companion's `plan()` says what it wants: None for nothing,
# or a `Plan` (a hashable `shape`, the values of its bind parameters, and a receiver). Its
# `extend(stmt, user_id, shape)` adds the columns for a shape (outer joins only: the token's
# row must come back whatever they find), once per shape and process: statements are kept and
# run again with new parameters. The receiver gets those columns' values with the user once the
# token is known to be live. Nothing received may outlive the request.

Receiver = Callable[[User, Sequence[Any]], None]


class Plan(NamedTuple):
    shape: Hashable
    params: dict[str, Any]
    receive: Receiver


class TokenCompanion(Protocol):
    def plan(self) -> Plan | None: ...

    def extend(
        self, stmt: Select[Any], user_id: ColumnElement[int], shape: Hashable
    ) -> Select[Any]: ...


_COMPANIONS = "neighbours.auth.companions"
_Built = tuple[Select[Any], list[tuple[int, int]]]
_built: dict[tuple[Hashable, ...], _Built] = {}


def add_token_companion(app: Flask, companion: TokenCompanion) -> None:
    """Have `companion` add its columns to every request's token query (see above)."""
    companions = app.extensions.setdefault(_COMPANIONS, [])
    if companion not in companions:
        companions.append(companion)


def _statement(planned: list[tuple[TokenCompanion, Plan]]) -> _Built:
    key = tuple((type(companion).__qualname__, plan.shape) for companion, plan in planned)
    built = _built.get(key)
    if built is None:
        stmt, ranges = _TOKEN, []
        for companion, plan in planned:
            start = len(stmt.column_descriptions)
            stmt = companion.extend(stmt, AccessToken.user_id, plan.shape)
            ranges.append((start, len(stmt.column_descriptions)))
        built = _built[key] = (stmt, ranges)
    return built


def _resolve_request_token(token: str | None) -> AccessToken | None:
    """`resolve_token` for the current request, with what the companions bring along."""
    if not token:
        return None
    planned = []
    for companion in current_app.extensions.get(_COMPANIONS, ()):
        plan = companion.plan()
        if plan is not None:
            planned.append((companion, plan))
    if not planned:
        return resolve_token(token)
    stmt, ranges = _statement(planned)
    params = {"token_hash": hash_token(token)}
    for _companion, plan in planned:
        params.update(plan.params)
    row = db.session.execute(stmt, params).one_or_none()
    live = _alive(row[0] if row is not None else None)
    if live is not None and row is not None:
        for (_companion, plan), (start, end) in zip(planned, ranges, strict=True):
            plan.receive(live.user, row[start:end])
    return live


def bearer_token() -> str | None:
    """The token in `Authorization: Bearer <token>`, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


_TOKEN_CACHE = "neighbours.access_token"


def current_token() -> AccessToken | None:
    """The request's token row, resolved once per request.

    Cached on the request, not on `g`: an app context (and its `g`) may outlive a request,
    as in tests or scripts that send several requests inside one `app.app_context()`, and a
    token revoked by one request must not keep working for the next.
    """
    if _TOKEN_CACHE not in request.environ:
        request.environ[_TOKEN_CACHE] = _resolve_request_token(bearer_token())
    return request.environ[_TOKEN_CACHE]


def current_user_or_none() -> User | None:
    token = current_token()
    return token.user if token is not None else None


def current_user_id() -> int | None:
    """The caller's user id, or None (no token, or a token that doesn't work)."""
    token = current_token()
    return token.user_id if token is not None else None


def caller_limit_key() -> str:
    """Flask-Limiter's key for limits per account (`user:<id>`; `anonymous` without a token)."""
    token = current_token()
    return f"user:{token.user_id}" if token else "anonymous"


def caller_locale() -> str | None:
    """The caller's own language setting, if they are signed in and chose one."""
    token = current_token()
    return token.user.locale if token is not None else None


def current_user() -> User:
    """The authenticated user; raises 401 when there is none."""
    user = current_user_or_none()
    if user is None:
        raise Unauthorized(_l("A valid bearer token is required."))
    return user


def login_required(func: F) -> F:
    """Refuse the request with 401 before anything else (even input parsing) runs.

    Place it above `@blp.arguments` so that a caller without a token learns that first.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        current_user()
        require_declared_body()
        return func(*args, **kwargs)

    apidoc = dict(getattr(func, "_apidoc", {}))
    manual = dict(apidoc.get("manual_doc", {}))
    manual["security"] = [{"bearerAuth": []}]
    apidoc["manual_doc"] = manual
    wrapper._apidoc = apidoc  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
