"""The OpenAPI document names the errors each operation can answer, in the one error shape.

Declared once here from what the app does everywhere, rather than on every route: a write
with a body that is not JSON is 400 and one too large is 413; a bearer-protected operation
is 401 without a valid token and 403 when the caller may not (role, suspension, posting
limit reached is 429); an operation on `/{id}` is 404 when the object does not exist or is
outside the caller's neighbourhoods; a write may conflict with the current state (409, also
a replayed `Idempotency-Key` still in flight); input with a bad field is 422.

A GET that is revalidated (`neighbours.caching`: single objects and first pages) says so: its
200 carries `ETag` and `Cache-Control`, and it answers 304 to a matching `If-None-Match`.
"""

from __future__ import annotations

from typing import Any

from apispec import BasePlugin
from flask_smorest import Api as SmorestApi

from neighbours.unions import union2properties

_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
_WRITES = {"post", "put", "patch", "delete"}
_DESCRIPTIONS = {
    400: "The body is not JSON.",
    401: "No valid bearer token.",
    403: "The caller may not do this here (role, membership status, suspension).",
    404: "No such object, or it is outside the caller's neighbourhoods.",
    409: "This conflicts with the current state of the resource.",
    413: "The body is too large.",
    422: "Invalid input; `errors` names the fields.",
    429: "Too many requests; `Retry-After` says when to try again.",
}
# Operations about the caller themselves: nothing to be forbidden from or not to find there.
_SELF_PREFIXES = ("/api/v1/me/", "/api/v1/auth/", "/api/v1/notifications")


API_PREFIX = "/api/v1/"
REVALIDATE = "private, no-cache"
# GETs never kept anywhere: a whole account's data, and the caller's sessions.
NO_STORE_PATHS = frozenset({"/api/v1/me/export", "/api/v1/me/sessions"})


def cacheable(path: str, method: str) -> bool:
    """Whether a GET of this path is revalidated with an ETag (`neighbours.caching` does it)."""
    return method == "GET" and path.startswith(API_PREFIX) and path not in NO_STORE_PATHS


def error_codes(path: str, method: str, operation: dict[str, Any], in_path: bool) -> set[int]:
    """The error statuses an operation can answer, from what it takes and who may call it."""
    codes: set[int] = set()
    secured = bool(operation.get("security"))
    write = method in _WRITES
    about_self = path == "/api/v1/me" or path.startswith(_SELF_PREFIXES)
    if write:
        codes |= {400, 413}
    if operation.get("requestBody") or operation.get("parameters"):
        codes.add(422)
    if secured:
        codes.add(401)
        if not about_self and (write or in_path):
            codes.add(403)
        if write and method != "delete":
            codes |= {409, 429}
    if in_path:
        codes.add(404)
    return codes


class ErrorResponses(BasePlugin):
    """An apispec plugin adding the error responses to every operation of the document."""

    def operation_helper(
        self, path: str | None = None, operations: dict | None = None, **kwargs: Any
    ) -> None:
        rule = kwargs.get("rule")
        route = rule.rule if rule is not None else path or ""
        in_path = bool(rule is not None and rule.arguments)
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            present = {str(code) for code in responses}
            for code in sorted(error_codes(route, method, operation, in_path)):
                if str(code) not in present:
                    responses[str(code)] = {"description": _DESCRIPTIONS[code], "content": _ERROR}


_ETAG = {
    "description": "A validator of this response (its body, language and reader); send it "
    "back in `If-None-Match` to get a 304 while it is unchanged. Absent on later pages "
    "(a request with `after` or `before`).",
    "schema": {"type": "string"},
}
_CACHE_CONTROL = {
    "description": f"`{REVALIDATE}` where an `ETag` is sent (keep, but revalidate before "
    "each use); `no-store` otherwise.",
    "schema": {"type": "string"},
}
_NOT_MODIFIED = {
    "description": "Not modified: the `If-None-Match` matches the current `ETag`. No body.",
    "headers": {"ETag": _ETAG},
}


class ConditionalGets(BasePlugin):
    """An apispec plugin documenting ETag / If-None-Match on the GETs that carry them."""

    def operation_helper(
        self, path: str | None = None, operations: dict | None = None, **kwargs: Any
    ) -> None:
        rule = kwargs.get("rule")
        route = rule.rule if rule is not None else path or ""
        for method, operation in (operations or {}).items():
            if not cacheable(route, method.upper()):
                continue
            responses = operation.setdefault("responses", {})
            ok = responses.get("200", responses.get(200))
            if not isinstance(ok, dict):
                continue
            headers = ok.setdefault("headers", {})
            headers.setdefault("ETag", _ETAG)
            headers.setdefault("Cache-Control", _CACHE_CONTROL)
            if "304" not in responses and 304 not in responses:
                responses["304"] = _NOT_MODIFIED


# The tree of field messages in an error (`errors`, `field_reasons`): per field its list of
# messages (or reason codes), or for a nested field (or a list's item index) the same again.
FIELD_MESSAGES = {
    "type": "object",
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {"$ref": "#/components/schemas/FieldMessages"},
        ]
    },
}


class Api(SmorestApi):
    """flask-smorest's Api without its page-number pagination header and schema
    (`PaginationMetadata`): lists here page with opaque cursors (`neighbours.pagination`)."""

    def _register_pagination_header(self) -> None:
        return None

    def _init_spec(self, *args: Any, **kwargs: Any) -> None:
        super()._init_spec(*args, **kwargs)
        self.spec.components.schema("FieldMessages", component=FIELD_MESSAGES)
        self.ma_plugin.converter.add_attribute_function(union2properties)
