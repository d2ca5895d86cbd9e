"""Cross-cutting HTTP concerns: request ids in logs, JSON-only bodies, CORS, health, docs."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

import redis
from flask import Blueprint, Flask, Response, current_app, g, has_request_context, request
from flask import json as flask_json
from flask_babel import lazy_gettext as _l
from sqlalchemy import text
from swagger_ui_bundle import swagger_ui_path
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

from neighbours.caching import conditional
from neighbours.errors import BadRequest, FieldError, InvalidFields
from neighbours.extensions import api, db
from neighbours.fields import MAX_ID
from neighbours.jobs import heartbeat

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestIdFilter(logging.Filter):
    """Put the current request's id on every log record (`-` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")
    )
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    # Replace our own handler on re-creation (tests build many apps), keep others'.
    root.handlers = [h for h in root.handlers if not getattr(h, "_neighbours", False)]
    handler._neighbours = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])


def _assign_request_id() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _REQUEST_ID_OK.match(incoming) else uuid.uuid4().hex


def _require_json_body() -> None:
    """A body that is not JSON is a 400, before any handler sees it."""
    if request.method not in {"POST", "PUT", "PATCH", "DELETE"}:
        return
    if (not request.content_length and not request.headers.get("Transfer-Encoding")) or (
        not _read_body()
    ):
        if not _needs_token():  # else `login_required` checks, once the caller is known
            require_declared_body()
        return
    if not request.is_json:
        raise BadRequest(
            _l("The request body must be JSON (Content-Type: application/json)."),
            reason="not_json",
        )
    _refuse_truncated_stream()
    try:
        body = flask_json.loads(request.get_data(cache=True))
    except ValueError:
        raise BadRequest(_l("The request body is not valid JSON."), reason="not_json") from None
    except RecursionError:
        raise _too_deep() from None
    check_json_body(body)


def _apidoc() -> dict[str, Any]:
    """What flask-smorest keeps on the view of this request: its OpenAPI operation."""
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "_apidoc", None) or {}


def _needs_token() -> bool:
    return bool(_apidoc().get("manual_doc", {}).get("security"))


def require_declared_body() -> None:
    """A request without a body to an operation whose document says its JSON body is
    required is a 400, as the document promises (webargs alone would read it as `{}`)."""
    if request.method not in {"POST", "PUT", "PATCH"}:
        return
    if (request.content_length or request.headers.get("Transfer-Encoding")) and _read_body():
        return
    parameters = _apidoc().get("arguments", {}).get("parameters", [])
    if any(p.get("in") == "json" and p.get("required") for p in parameters):
        raise BadRequest(_l("A JSON body is required."), reason="body_required")


_UNREADABLE = _l("The request body could not be read (malformed chunked encoding).")


def _read_body() -> bytes:
    """The whole body, read once and cached; a stream the server can't decode (a chunk size
    that is not hexadecimal, a missing terminator) is a 400, not a 500."""
    try:
        return request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise
    except Exception as exc:  # gunicorn's InvalidChunkSize, NoMoreData, ...: all IOError-like
        log.info("unreadable request body: %r", exc)
        raise BadRequest(_UNREADABLE, reason="unreadable_body") from None


def _refuse_truncated_stream() -> None:
    """A body without Content-Length (chunked) over MAX_CONTENT_LENGTH is a 413.

    Werkzeug stops reading such a stream at the limit and hands over the truncated body
    (which then reads as broken JSON, a 400): after reading, look one byte past the limit
    on the server's own stream.
    """
    limit = request.max_content_length
    if request.content_length is not None or limit is None:
        return
    if len(request.get_data(cache=True)) < limit:
        return
    try:
        more = request.environ["wsgi.input"].read(1)
    except Exception:  # the rest of the stream is malformed: it was too long in any case
        more = b"?"
    if more:
        raise RequestEntityTooLarge()


# Deeper than any body this API takes (a few levels); far below Python's recursion limit,
# which a 2 KB body of nested arrays otherwise reaches in the parser or the schemas (a 500).
MAX_JSON_DEPTH = 32
_NOT_TEXT = _l("Not valid text: it contains an unpaired surrogate (like \\ud800).")
_NUL = _l("Not valid text: it contains a NUL character (\\u0000).")


def _too_deep() -> BadRequest:
    return BadRequest(
        _l(
            "The request body is nested too deeply (at most %(depth)s levels).",
            depth=MAX_JSON_DEPTH,
        ),
        reason="too_deep",
    )


def _is_text(value: str) -> bool:
    """Whether a string can be stored and sent as UTF-8: no unpaired surrogate, which
    JSON's `\\ud800` escapes (and Python's decoder) let through."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_json_body(body: Any) -> None:
    """Refuse, in the parse step, what no field can take: nesting deeper than
    MAX_JSON_DEPTH (400) and strings with unpaired surrogates or NUL characters, which no
    text column can store (422 naming the field)."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(body, ())]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_JSON_DEPTH:
            raise _too_deep()
        if isinstance(value, str):
            if not _is_text(value):
                raise _invalid_text(path)
            if "\x00" in value:
                raise _invalid_text(path, _NUL)
        elif isinstance(value, dict):
            for key, item in value.items():
                name = key.encode("utf-8", "backslashreplace").decode("utf-8")
                if not _is_text(key):
                    raise _invalid_text((*path, name))
                stack.append((item, (*path, name)))
        elif isinstance(value, list):
            stack.extend((item, (*path, str(i))) for i, item in enumerate(value))


def _invalid_text(path: tuple[str, ...], message: Any = _NOT_TEXT) -> InvalidFields:
    """422 naming the field as marshmallow would (nested fields as nested objects)."""
    errors: Any = [FieldError("not_text", message)]
    for name in reversed(path or ("_schema",)):
        errors = {name: errors}
    return InvalidFields({"json": errors})


# What a cross-origin script may read of a response, and send on a request.
EXPOSED_HEADERS = (
    "Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Location, "
    "ETag, Idempotent-Replayed, X-Request-ID, Content-Language"
)
ALLOWED_HEADERS = (
    "Authorization, Content-Type, Idempotency-Key, X-Request-ID, If-None-Match, Accept-Language"
)
# Retry-After means "wait before trying again": only on these (Flask-Limiter adds it to every
# response of a limited route).
_RETRY_STATUSES = frozenset({429, 503})


def add_vary(response: Response, *names: str) -> None:
    """Add to `Vary`, keeping what others put there."""
    present = [v.strip() for v in response.headers.get("Vary", "").split(",") if v.strip()]
    for name in names:
        if name.lower() not in {v.lower() for v in present}:
            present.append(name)
    if present:
        response.headers["Vary"] = ", ".join(present)


def _finish(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
    if response.status_code not in _RETRY_STATUSES:
        response.headers.pop("Retry-After", None)
    origin = request.headers.get("Origin")
    if current_app.config["CORS_ORIGINS"]:
        add_vary(response, "Origin")  # a response kept for one origin is not another's
    if origin and origin in current_app.config["CORS_ORIGINS"]:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE"
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        response.headers["Access-Control-Max-Age"] = "600"
    conditional(response)
    _security_headers(response)
    return response


# A JSON API renders nothing: forbid everything a browser could do with a response. The docs
# page loads only its own scripts and styles, from this process.
_API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
_DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def _security_headers(response: Response) -> None:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    docs_page = request.path.startswith("/api/docs")
    headers.setdefault("Content-Security-Policy", _DOCS_CSP if docs_page else _API_CSP)
    if request.path.startswith("/api/v1/"):
        # Personal data: never kept by a shared cache or the browser's back button.
        headers.setdefault("Cache-Control", "no-store")
    if current_app.config.get("NEIGHBOURS_ENV") == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def _preflight() -> Response | None:
    if request.method == "OPTIONS" and request.headers.get("Access-Control-Request-Method"):
        return Response(status=204)
    return None


ops = Blueprint("ops", __name__)


@ops.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    """The process is up."""
    return {"status": "ok"}, 200


@ops.get("/readyz")
def readyz() -> tuple[dict[str, object], int]:
    """The database and, when configured, Redis answer; `jobs` reports the consumers'
    heartbeat (`ok`, `stale`, `none`), and is a condition only with READYZ_REQUIRES_JOBS."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any failure means not ready
        db.session.rollback()
        checks["database"] = f"unreachable: {type(exc).__name__}"
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        try:
            redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1).ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"unreachable: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    # The consumers' heartbeat is reported, and makes this process unready only when the
    # deployment says jobs are required: a dead worker must not take the web out of rotation.
    jobs_report = _jobs_report(checks.get("database") == "ok")
    if current_app.config.get("READYZ_REQUIRES_JOBS") and jobs_report["status"] != "ok":
        ready = False
    return {"status": "ready" if ready else "unavailable", "checks": checks, "jobs": jobs_report}, (
        200 if ready else 503
    )


def _jobs_report(database_up: bool) -> dict[str, object]:
    if not database_up:
        return {"status": "unknown"}
    try:
        return heartbeat.status(current_app)
    except Exception as exc:  # reporting on the jobs never breaks the readiness answer
        db.session.rollback()
        return {"status": f"unknown: {type(exc).__name__}"}


docs = Blueprint(
    "docs", __name__, static_folder=swagger_ui_path, static_url_path="/api/docs/static"
)

_DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>neighbours API</title>
<link rel="stylesheet" href="/api/docs/static/swagger-ui.css"></head>
<body><div id="docs"></div>
<script src="/api/docs/static/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "/api/openapi.json", dom_id: "#docs", deepLinking: true});</script>
</body></html>"""


@docs.get("/api/docs")
def docs_page() -> Response:
    """The OpenAPI document rendered by a Swagger UI served from this process (no CDN)."""
    return Response(_DOCS_PAGE, mimetype="text/html")


class RowId(IntegerConverter):
    """`<int:...>` in a route: an id from 1 to MAX_ID. Anything else matches no route (404)
    instead of reaching the database, which cannot hold it (an overflow: a 500)."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int = 1, max: int = MAX_ID) -> None:
        super().__init__(map, fixed_digits, min, max)


def _row_id_schema(converter: RowId) -> dict[str, int | str]:
    return {"type": "integer", "minimum": converter.min, "maximum": converter.max}


api.register_converter(RowId, _row_id_schema)


def init_app(app: Flask) -> None:
    configure_logging(app)
    # Before any blueprint adds its rules: they take their converters when added.
    app.url_map.converters["int"] = RowId
    app.before_request(_assign_request_id)
    app.before_request(_preflight)
    app.before_request(_require_json_body)
    app.after_request(_finish)
    app.register_blueprint(ops)
    app.register_blueprint(docs)
