"""Every machine-readable `reason` an error may carry: the enum of the OpenAPI `Error` schema.

A client switches on `reason`, never on `message` (which is translated). Reasons are snake_case
and stable: add new ones, never rename or reuse one. `AppError` refuses a reason that is not
listed here, so a typo fails the first test that reaches it.

Each section belongs to one area of the code; keep additions in their section.
"""

from __future__ import annotations

# Generic: one per HTTP status, for errors that have nothing more specific to say.
GENERIC = {
    "bad_request": "The request is malformed.",
    "unauthorized": "No valid bearer token.",
    "forbidden": "The caller may not do this.",
    "not_found": "No such object, or not visible to the caller.",
    "method_not_allowed": "This path does not accept this method.",
    "conflict": "This conflicts with the current state of the resource.",
    "payload_too_large": "The body is too large.",
    "unsupported_media_type": "The body is not of a supported type.",
    "invalid_input": "One or more fields are invalid; `errors` names them.",
    "rate_limited": "Too many requests; `Retry-After` says when to try again.",
    "server_error": "Something went wrong on the server; it has been logged.",
    "unavailable": "A service the server needs is down; try again shortly.",
    "not_json": "The body is not JSON, or not declared as JSON.",
    "body_required": "This operation needs a JSON body.",
    "too_deep": "The JSON body nests too deeply.",
    "out_of_range": "A value is beyond what the server can store.",
}

# Field-level reasons (`field_reasons`, beside each field's messages).
FIELDS = {
    "required": "The field is missing.",
    "null": "The field may not be null.",
    "invalid": "The value has the wrong type or format.",
    "unknown_field": "The field is not accepted here.",
    "too_short": "Shorter than the minimum length.",
    "too_long": "Longer than the maximum length.",
    "bad_length": "The length is outside the accepted range.",
    "not_one_of": "Not one of the accepted values.",
    "out_of_bounds": "The number is outside the accepted range.",
    "not_text": "The text contains characters that are not valid text.",
}

# Areas: filled in by each feature's section.
ACCOUNTS: dict[str, str] = {}
NEIGHBOURHOODS: dict[str, str] = {}
FEED: dict[str, str] = {}
MESSAGES: dict[str, str] = {}
MEALS: dict[str, str] = {}
MODERATION: dict[str, str] = {}
REALTIME: dict[str, str] = {}
# Why a socket is refused (`connect_error` {message, reason}) or ended (`session:ended`
# {reason}); `unauthorized` and `server_error` are the generic ones above.
SESSIONS: dict[str, str] = {
    "too_many_sockets": "The account already holds as many live connections as allowed.",
    "expired": "The session's token has expired; sign in again.",
    "suspended": "The account is suspended.",
    "logged_out": "The session was logged out.",
    "revoked": "The session was ended (from another session, or by a password change).",
    "deleted": "The account was deleted.",
}
NOTIFICATIONS: dict[str, str] = {}
HTTP: dict[str, str] = {}  # caching, conditional requests

REASONS: dict[str, str] = {
    **GENERIC,
    **FIELDS,
    **ACCOUNTS,
    **NEIGHBOURHOODS,
    **FEED,
    **MESSAGES,
    **MEALS,
    **MODERATION,
    **REALTIME,
    **SESSIONS,
    **NOTIFICATIONS,
    **HTTP,
}

# The reason an error has when it names none, by HTTP status.
BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


def for_status(code: int) -> str:
    """The generic reason of an HTTP status (`server_error` for any other 5xx)."""
    if code in BY_STATUS:
        return BY_STATUS[code]
    return "server_error" if code >= 500 else "bad_request"


def check(reason: str) -> str:
    """`reason` if it is listed; a ValueError (a programming error) otherwise."""
    if reason not in REASONS:
        raise ValueError(f"{reason!r} is not a reason listed in neighbours/reasons.py")
    return reason
