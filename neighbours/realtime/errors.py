"""Socket acks in the REST error shape, in the socket's language."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any

from flask import has_app_context, has_request_context, request
from flask_babel import force_locale

from neighbours import i18n, reasons
from neighbours.errors import FieldError
from neighbours.realtime.live import state


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
