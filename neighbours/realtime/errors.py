"""Socket acks in the REST error shape in the socket's language, and refused connections
that say why."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any

from flask import has_app_context, has_request_context, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from socketio.exceptions import ConnectionRefusedError

from neighbours import i18n, reasons
from neighbours.errors import FieldError
from neighbours.realtime.live import state
from neighbours.reasons import REASONS


def error_ack(
    code: int,
    message: Any,
    field: str | None = None,
    *,
    reason: str | None = None,
    field_reason: str = "invalid",
    errors: dict[str, Any] | None = None,
    locale: str | None = None,
) -> dict[str, Any]:
    """An ack in the REST error shape, under `error`: `{"ok": false, "error": {...}}`.

    `reason` defaults to the status's generic one; `message` (a `lazy_gettext` string) is
    translated into `locale`, by default the language of the socket handling the event (chosen
    when it connected). `field` names the one argument field at fault (with `field_reason`);
    `errors` is a webargs-shaped tree instead. Needs an app context to translate.
    """
    error: dict[str, Any] = {
        "code": code,
        "status": HTTPStatus(code).phrase,
        "reason": reasons.check(reason) if reason else reasons.for_status(code),
    }
    if field is not None:
        errors = {field: [FieldError(field_reason, message)]}
    with _language(locale):
        error["message"] = str(message)
        if errors:
            error["errors"], error["field_reasons"] = i18n.field_errors(errors)
    return {"ok": False, "error": error}


def _socket_locale() -> str | None:
    """The language of the socket whose event is being handled, if any."""
    if not has_request_context():
        return None
    sid = getattr(request, "sid", None)
    socket = state().sockets.get(sid) if sid else None
    return socket.locale if socket is not None else None


@contextmanager
def _language(locale: str | None) -> Iterator[None]:
    if not has_app_context():
        yield
        return
    chosen = locale or _socket_locale()
    if chosen is None:
        yield
        return
    with force_locale(chosen):
        yield


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
    """A refused connection: the client's `connect_error` gets `{message, reason, data:
    {reason}}`, the message in the handshake's language (its Accept-Language).

    The official socket.io-client keeps only `message` and `data` of the packet (as the
    error's `message` and `data`): `err.data.reason` is where its users read the reason.
    """

    def __init__(self, reason: str) -> None:
        if reason not in REASONS or reason not in SESSION_MESSAGES:
            raise ValueError(f"unlisted session reason {reason!r}")
        super().__init__(reason)
        self.reason = reason
        self.error_args = {
            "message": str(SESSION_MESSAGES[reason]),
            "reason": reason,
            "data": {"reason": reason},
        }
