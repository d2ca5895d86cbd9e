"""Socket acks in the REST error shape, and refused connections that say why."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask_babel import lazy_gettext as _l
from socketio.exceptions import ConnectionRefusedError

from neighbours.reasons import REASONS


def error_ack(code: int, message: str, field: str | None = None) -> dict[str, Any]:
    """An ack in the REST error shape, under `error`: `{"ok": false, "error": {...}}`."""
    error: dict[str, Any] = {"code": code, "status": HTTPStatus(code).phrase, "message": message}
    if field is not None:
        error["errors"] = {field: [message]}
    return {"ok": False, "error": error}


# What a refused connection (or an ended session) says, by reason.
SESSION_MESSAGES = {
    "unauthorized": _l("No valid session token: sign in again."),
    "expired": _l("Your session has expired: sign in again."),
    "too_many_sockets": _l("Too many live connections for this account: close one and try again."),
    "suspended": _l("This account is suspended."),
    "logged_out": _l("This session was logged out."),
    "revoked": _l("This session was ended: sign in again."),
    "deleted": _l("This account has been deleted."),
    "server_error": _l("The connection failed on our side; try again."),
}


class Refused(ConnectionRefusedError):
    """A refused connection: the client's `connect_error` gets `{message, reason}`, the
    message in the handshake's language (its Accept-Language)."""

    def __init__(self, reason: str) -> None:
        if reason not in REASONS or reason not in SESSION_MESSAGES:
            raise ValueError(f"unlisted session reason {reason!r}")
        super().__init__(reason)
        self.reason = reason
        self.error_args = {"message": str(SESSION_MESSAGES[reason]), "reason": reason}
