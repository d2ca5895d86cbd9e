"""`Idempotency-Key` on POST: a replay with the same key and body returns the first response.

The key is claimed (inserted, committed) before the handler runs, so two concurrent requests
with one key cannot both act: the second sees the claim and gets 409 until the first finishes.
Only successful responses are kept; a failed request releases its key so the client can retry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask, Response, current_app, g, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from neighbours.database import utcnow
from neighbours.errors import Conflict, Invalid
from neighbours.extensions import db

HEADER = "Idempotency-Key"
# Responses that carry a secret (a fresh bearer token) are never stored for replay: tokens
# live in the database only as hashes. Logging in twice is harmless anyway.
_CALLER = "neighbours.idempotency.caller"
_NEVER_STORED = frozenset({"/api/v1/auth/login"})


class IdempotencyKey(db.Model):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "user:<id>" for authenticated callers, "anon:<ip>" otherwise (e.g. registration), so
    # two strangers who both send "1" don't collide.
    scope: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(db.Text)
    response_headers: Mapped[str | None] = mapped_column(db.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def _fingerprint() -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() + b" " + request.full_path.encode() + b"\n")
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _replay(row: IdempotencyKey) -> Response:
    headers = json.loads(row.response_headers or "{}")
    headers["Idempotent-Replayed"] = "true"
    return Response(
        row.response_body,
        status=row.status_code or 200,
        headers=headers,
        mimetype="application/json",
    )


_IN_PROGRESS = _l("A request with this Idempotency-Key is in progress.")


def _claim() -> Response | None:
    key = request.headers.get(HEADER, "").strip()
    if request.method != "POST" or not key or not request.path.startswith("/api/v1/"):
        return None
    if request.path in _NEVER_STORED:
        return None
    if len(key) > 255:
        raise Invalid(HEADER, _l("At most 255 characters."), reason="too_long", location="headers")
    user_id = caller_id()
    if user_id is None and request.headers.get("Authorization"):
        return None  # a bad token: let the handler answer 401
    if user_id is not None:
        scope = f"user:{user_id}"
    else:
        client = hashlib.sha256((request.remote_addr or "-").encode()).hexdigest()[:32]
        scope = f"anon:{client}"
    fingerprint = _fingerprint()
    ttl = timedelta(hours=current_app.config["IDEMPOTENCY_TTL_HOURS"])
    existing = db.session.execute(
        select(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
    ).scalar_one_or_none()
    if existing is not None and existing.created_at < utcnow() - ttl:
        db.session.delete(existing)
        db.session.commit()
        existing = None
    if existing is None:
        row = IdempotencyKey(
            scope=scope,
            key=key,
            user_id=user_id,
            method=request.method,
            path=request.path,
            request_hash=fingerprint,
        )
        db.session.add(row)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            raise Conflict(_IN_PROGRESS, reason="idempotency_in_progress") from None
        g.idempotency_row_id = row.id
        return None
    if existing.request_hash != fingerprint:
        raise Invalid(
            HEADER,
            _l("This key was used with a different request."),
            reason="idempotency_key_reused",
            location="headers",
        )
    if existing.status_code is None:
        raise Conflict(_IN_PROGRESS, reason="idempotency_in_progress")
    return _replay(existing)


def _record(response: Response) -> Response:
    row_id = g.pop("idempotency_row_id", None)
    if row_id is None:
        return response
    # The handler has committed (or rolled back) its own work by now.
    db.session.rollback()
    if 200 <= response.status_code < 300:
        headers = {k: v for k, v in response.headers.items() if k.lower() in {"location", "etag"}}
        db.session.execute(
            IdempotencyKey.__table__.update()
            .where(IdempotencyKey.id == row_id)
            .values(
                status_code=response.status_code,
                response_body=response.get_data(as_text=True),
                response_headers=json.dumps(headers),
            )
        )
    else:
        db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == row_id))
    db.session.commit()
    return response


def set_caller(app: Flask, caller: Callable[[], int | None]) -> None:
    """The seam accounts fills (`neighbours.wiring`): who sends the request, as a user id (None
    for no or a bad token). Keys are kept per user, or per address for anonymous callers."""
    app.extensions[_CALLER] = caller


def caller_id() -> int | None:
    """The user sending the request (None for no or a bad token), through the seam."""
    caller = current_app.extensions.get(_CALLER)
    return caller() if caller is not None else None


def init_app(app: Flask) -> None:
    app.before_request(_claim)
    app.after_request(_record)


def prune(now: datetime) -> int:
    """Forget the keys older than `IDEMPOTENCY_TTL_HOURS` (housekeeping: an old key is
    refused nothing, it is only dead weight)."""
    ttl = timedelta(hours=current_app.config["IDEMPOTENCY_TTL_HOURS"])
    result = db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < now - ttl))
    db.session.commit()
    return int(result.rowcount or 0)
