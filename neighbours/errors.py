"""One JSON error shape for every error: HTTP, validation, database and domain.

`{"code": 422, "status": "Unprocessable Entity", "reason": "invalid_input", "message": "...",
"errors": {...}, "field_reasons": {...}}`

`reason` is the stable machine-readable code (see `neighbours.reasons`); `message` is for people,
in the request's language (`neighbours.i18n`). Messages are lazy strings, translated when the
response is built.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from typing import Any

import marshmallow as ma
from flask import Flask, Response, jsonify
from flask_babel import format_timedelta, lazy_gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from neighbours import i18n, reasons
from neighbours.extensions import db

log = logging.getLogger(__name__)


class AppError(Exception):
    """A domain error that services raise; it becomes the JSON error shape.

    `reason` is one of `neighbours.reasons.REASONS` (the status's generic reason by default);
    `message` should be a `lazy_gettext` string so that it is translated for the caller.
    """

    code = 400

    def __init__(
        self,
        message: Any = None,
        *,
        reason: str | None = None,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message or STATUS_MESSAGES.get(self.code) or HTTPStatus(self.code).phrase
        self.reason = reasons.check(reason) if reason else reasons.for_status(self.code)
        self.errors = errors
        self.headers = headers or {}


class BadRequest(AppError):
    code = 400


class Unauthorized(AppError):
    code = 401

    def __init__(self, message: Any = None, **kwargs: Any) -> None:
        message = message or _l("Authentication required.")
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(message, **kwargs)


class Forbidden(AppError):
    code = 403


# One message for every object a caller may not see, whether it is missing, in another
# neighbourhood, held, removed, or under a parent they may not see: telling these apart would
# tell an outsider what exists.
NOT_FOUND_MESSAGE = _l("Not found, or not visible to you.")


class NotFound(AppError):
    """404. Without a message, the one message for anything missing or invisible."""

    code = 404

    def __init__(self, message: Any = NOT_FOUND_MESSAGE, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)


class Conflict(AppError):
    code = 409


@dataclass(frozen=True)
class FieldError:
    """One message about one field, with its reason; rendered as the message (translated) in
    `errors` and the reason in `field_reasons`."""

    reason: str
    message: Any  # a lazy_gettext string, or a plain one

    def __post_init__(self) -> None:
        reasons.check(self.reason)


INVALID_MESSAGE = lazy_gettext("The request was well-formed but contained invalid values.")


class Invalid(AppError):
    """Bad input: 422 with the offending field named, as webargs would."""

    code = 422

    def __init__(
        self, field: str, message: Any, *, reason: str = "invalid", location: str = "json"
    ) -> None:
        super().__init__(
            INVALID_MESSAGE,
            reason="invalid_input",
            errors={location: {field: [FieldError(reason, message)]}},
        )


class InvalidFields(AppError):
    """Bad input with errors already in webargs' shape, `{"json": {"pools": {"0": {...}}}}`.

    Leaves are lists of `FieldError`s, or of plain messages whose reason is recognised from
    their text (marshmallow's own), `invalid` otherwise."""

    code = 422

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__(INVALID_MESSAGE, reason="invalid_input", errors=errors)


class TooManyRequests(AppError):
    code = 429

    def __init__(self, message: Any, retry_after: int, *, reason: str | None = None) -> None:
        super().__init__(
            message, reason=reason, headers={"Retry-After": str(max(1, int(retry_after)))}
        )


# The message of an error that has nothing more specific to say, by HTTP status.
STATUS_MESSAGES: dict[int, Any] = {
    400: _l("The request is malformed."),
    401: _l("Authentication required."),
    403: _l("You may not do this."),
    404: NOT_FOUND_MESSAGE,
    405: _l("This path does not accept this method."),
    409: _l("This conflicts with the current state of the resource."),
    413: _l("The request body is too large."),
    415: _l("The request body is not of a supported type."),
    422: INVALID_MESSAGE,
    429: _l("Too many requests; try again later."),
    500: _l("Something went wrong on our side; it has been logged."),
    503: _l("A service the server needs is unavailable; try again shortly."),
}


def error_response(
    code: int,
    message: Any = None,
    errors: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    *,
    reason: str | None = None,
) -> Response:
    """Build the one error shape."""
    status = HTTPStatus(code)
    payload: dict[str, Any] = {
        "code": code,
        "status": status.phrase,
        "reason": reason or reasons.for_status(code),
    }
    payload["message"] = str(message or STATUS_MESSAGES.get(code) or status.phrase)
    if errors:
        payload["errors"], payload["field_reasons"] = i18n.field_errors(errors)
    response = jsonify(payload)
    response.status_code = code
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _http_exception(error: HTTPException) -> Response:
    code = error.code or 500
    data = getattr(error, "data", None) or {}
    errors = data.get("errors") or data.get("messages")
    headers = dict(data.get("headers") or {})
    # Werkzeug's own headers: Allow on 405, Retry-After on 429 from Flask-Limiter.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            headers.setdefault(name, value)
    # Werkzeug's descriptions are English only: each status has its own translated message.
    # Routing 404s (no such URL, an id beyond the database's range) read like any other.
    message = data.get("message") or STATUS_MESSAGES.get(code) or error.description
    if code == 429 and not data.get("message"):
        message = _limit_message(str(error.description))
    return error_response(code, message, errors, headers)


_LIMIT = re.compile(r"^(\d+) per (\d+) (second|minute|hour|day|month|year)s?$")


def _limit_message(limit: str) -> Any:
    """Flask-Limiter's description of a limit ("10 per 1 hour"), said in the caller's
    language ("au plus 10 en 1 heure"); any other wording: the generic message."""
    found = _LIMIT.match(limit.strip())
    if found is None:
        return STATUS_MESSAGES[429]
    amount, count, unit = found.groups()
    window = format_timedelta(timedelta(seconds=int(count) * _SECONDS[unit]), threshold=1)
    return _l("Too many requests: at most %(amount)s in %(window)s.", amount=amount, window=window)


_SECONDS = {
    "second": 1,
    "minute": 60,
    "hour": 3600,
    "day": 86400,
    "month": 30 * 86400,
    "year": 365 * 86400,
}


def _app_error(error: AppError) -> Response:
    return error_response(
        error.code, error.message, error.errors, error.headers, reason=error.reason
    )


def _integrity_error(error: IntegrityError) -> Response:
    db.session.rollback()
    log.info("integrity error turned into 409: %s", error.orig)
    return error_response(409, STATUS_MESSAGES[409])


def _out_of_range(error: Exception) -> Response:
    """A value the database cannot store (a number beyond its column): bad input, not a 500.

    Schemas bound what they can (`fields.row_id`); this is the net for what slips through:
    PostgreSQL's DataError, SQLite's OverflowError.
    """
    db.session.rollback()
    log.info("out-of-range value turned into 422: %s", error)
    return error_response(
        422, _l("A value is out of the range the server can store."), reason="out_of_range"
    )


def _operational_error(error: OperationalError) -> Response:
    db.session.rollback()
    log.exception("database unavailable")
    return error_response(503, _l("The database is unavailable; try again shortly."))


def _unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return _http_exception(error)
    log.exception("unhandled error")
    return error_response(500, STATUS_MESSAGES[500])


def register_error_handlers(app: Flask) -> None:
    """Make every error, including Flask's own 404/405, the one JSON shape."""
    app.register_error_handler(HTTPException, _http_exception)
    app.register_error_handler(AppError, _app_error)
    app.register_error_handler(IntegrityError, _integrity_error)
    app.register_error_handler(OperationalError, _operational_error)
    app.register_error_handler(DataError, _out_of_range)
    app.register_error_handler(OverflowError, _out_of_range)
    app.register_error_handler(Exception, _unexpected)


# Per field: its messages (or reasons), or, for a nested field, the same tree again
# (`neighbours.openapi.FIELD_MESSAGES`, the `FieldMessages` component).
FIELD_TREE = {"allOf": [{"$ref": "#/components/schemas/FieldMessages"}]}


class ErrorSchema(ma.Schema):
    """The one error shape, as the OpenAPI document describes it."""

    code = ma.fields.Integer(required=True, metadata={"description": "The HTTP status."})
    status = ma.fields.String(required=True, metadata={"description": "The status's phrase."})
    reason = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(sorted(reasons.REASONS)),
        metadata={
            "description": "Stable machine-readable code: switch on this, never on `message`. "
            "Each reason's meaning is in `x-reasons`:\n\n"
            + "\n".join(f"- `{name}`: {text}" for name, text in sorted(reasons.REASONS.items())),
            "x-reasons": dict(sorted(reasons.REASONS.items())),
        },
    )
    message = ma.fields.String(
        required=True,
        metadata={"description": "For people, in the response's `Content-Language`."},
    )
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Raw(metadata=FIELD_TREE),
        metadata={
            "description": "Per location (`json`, `query`, `headers`), per field: a list of "
            "messages (nested objects for nested fields)."
        },
    )
    field_reasons = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Raw(metadata=FIELD_TREE),
        metadata={
            "description": "The same tree as `errors`, with each message's reason code (one of "
            "`reason`'s values) in its place."
        },
    )
