"""Socket acks in the REST error shape."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any


def error_ack(code: int, message: str, field: str | None = None) -> dict[str, Any]:
    """An ack in the REST error shape, under `error`: `{"ok": false, "error": {...}}`."""
    error: dict[str, Any] = {"code": code, "status": HTTPStatus(code).phrase, "message": message}
    if field is not None:
        error["errors"] = {field: [message]}
    return {"ok": False, "error": error}
