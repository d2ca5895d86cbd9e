"""One JSON error shape for every error: HTTP, validation, database and domain.

`{"code": 422, "status": "Unprocessable Entity", "message": "...", "errors": {...}}`
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, jsonify
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from neighbours.extensions import db

log = logging.getLogger(__name__)


class AppError(Exception):
    """A domain error that services raise; it becomes the JSON error shape."""

    code = 400

    def __init__(
        self,
        message: str | None = None,
        *,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message or HTTPStatus(self.code).phrase
        self.errors = errors
        self.headers = headers or {}


class BadRequest(AppError):
    code = 400


class Unauthorized(AppError):
    code = 401

    def __init__(self, message: str = "Authentication required.", **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(message, **kwargs)


class Forbidden(AppError):
    code = 403


# One message for every object a caller may not see, whether it is missing, in another
# neighbourhood, held, removed, or under a parent they may not see: telling these apart would
# tell an outsider what exists.
NOT_FOUND_MESSAGE = "Not found, or not visible to you."


class NotFound(AppError):
    """404. Without a message, the one message for anything missing or invisible."""

    code = 404

    def __init__(self, message: str = NOT_FOUND_MESSAGE, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)


class Conflict(AppError):
    code = 409


class Invalid(AppError):
    """Bad input: 422 with the offending field named, as webargs would."""

    code = 422

    def __init__(self, field: str, message: str, *, location: str = "json") -> None:
        super().__init__(
            "The request was well-formed but contained invalid values.",
            errors={location: {field: [message]}},
        )


class InvalidFields(AppError):
    """Bad input with errors already in webargs' shape, `{"json": {"pools": {"0": {...}}}}`."""

    code = 422

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__("The request was well-formed but contained invalid values.", errors=errors)


class TooManyRequests(AppError):
    code = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, int(retry_after)))})


def error_response(
    code: int,
    message: str | None = None,
    errors: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Build the one error shape."""
    status = HTTPStatus(code)
    payload: dict[str, Any] = {"code": code, "status": status.phrase}
    payload["message"] = message or status.description or status.phrase
    if errors:
        payload["errors"] = errors
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
    message = data.get("message") or error.description
    if code == 404:
        # Routing 404s (no such URL, an id beyond the database's range) read like any other.
        message = data.get("message") or NOT_FOUND_MESSAGE
    if code == 429 and not data.get("message"):
        message = f"Too many requests: limit of {error.description}."
    return error_response(code, message, errors, headers)


def _app_error(error: AppError) -> Response:
    return error_response(error.code, error.message, error.errors, error.headers)


def _integrity_error(error: IntegrityError) -> Response:
    db.session.rollback()
    log.info("integrity error turned into 409: %s", error.orig)
    return error_response(409, "This conflicts with the current state of the resource.")


def _out_of_range(error: Exception) -> Response:
    """A value the database cannot store (a number beyond its column): bad input, not a 500.

    Schemas bound what they can (`fields.row_id`); this is the net for what slips through:
    PostgreSQL's DataError, SQLite's OverflowError.
    """
    db.session.rollback()
    log.info("out-of-range value turned into 422: %s", error)
    return error_response(422, "A value is out of the range the server can store.")


def _operational_error(error: OperationalError) -> Response:
    db.session.rollback()
    log.exception("database unavailable")
    return error_response(503, "The database is unavailable; try again shortly.")


def _unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return _http_exception(error)
    log.exception("unhandled error")
    return error_response(500, "Something went wrong on our side; it has been logged.")


def register_error_handlers(app: Flask) -> None:
    """Make every error, including Flask's own 404/405, the one JSON shape."""
    app.register_error_handler(HTTPException, _http_exception)
    app.register_error_handler(AppError, _app_error)
    app.register_error_handler(IntegrityError, _integrity_error)
    app.register_error_handler(OperationalError, _operational_error)
    app.register_error_handler(DataError, _out_of_range)
    app.register_error_handler(OverflowError, _out_of_range)
    app.register_error_handler(Exception, _unexpected)
