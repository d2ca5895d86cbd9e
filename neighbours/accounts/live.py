"""Accounts on the live layer: the authenticator sockets sign in with.

Registered with `neighbours.realtime` by `neighbours.wiring`; used by connect (and so the
per-user socket cap), and by the sweeper (expiry, and the re-validation of sessions).
"""

from __future__ import annotations

from typing import Any

from flask import g
from sqlalchemy import select

from neighbours.accounts.models import AccessToken, User
from neighbours.accounts.services import remember_language
from neighbours.auth import hash_token, resolve_token
from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.realtime.live import Identity
from neighbours.realtime.registry import LiveSocket


class TokenAuthenticator:
    """Sessions are bearer tokens (`neighbours.auth`)."""

    def authenticate(self, token: str | None) -> Identity | None:
        row = resolve_token(token)
        if row is None:
            return None
        # The session's identity map holds rows weakly: kept here for the rest of the connect,
        # the user is read from it by the connect hooks and room providers, with no query.
        g.neighbours_socket_user = row.user
        return Identity(
            user_id=row.user_id,
            token_id=row.id,
            expires_at=row.expires_at,
            locale=row.user.locale,
        )

    def refusal(self, token: str | None) -> str:
        """`expired` for a session that ran out (not revoked, user not deleted), else
        `unauthorized`: a client told `expired` signs in again without alarming anyone."""
        if not token:
            return "unauthorized"
        row = db.session.execute(
            select(AccessToken)
            .join(User, User.id == AccessToken.user_id)
            .where(AccessToken.token_hash == hash_token(token), User.deleted_at.is_(None))
        ).scalar_one_or_none()
        if row is not None and row.revoked_at is None and row.expires_at <= utcnow():
            return "expired"
        return "unauthorized"

    def still_valid(self, token_ids: list[int]) -> set[int]:
        """Of these session ids, those not revoked nor expired, of users not deleted."""
        return set(
            db.session.execute(
                select(AccessToken.id)
                .join(User, User.id == AccessToken.user_id)
                .where(
                    AccessToken.id.in_(token_ids),
                    AccessToken.revoked_at.is_(None),
                    AccessToken.expires_at > utcnow(),
                    User.deleted_at.is_(None),
                )
            ).scalars()
        )


def remember_socket_language(socket: LiveSocket, _auth: dict[str, Any]) -> None:
    """A connect hook: the handshake's `Accept-Language` becomes the user's `last_language`
    (committed only when it changed), so live texts follow the language their phone speaks."""
    user = db.session.get(User, socket.user_id)  # kept since the token was read: no query
    if user is not None and remember_language(user):
        db.session.commit()
