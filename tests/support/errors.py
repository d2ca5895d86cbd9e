"""Assertions shared by the tests."""

from __future__ import annotations

from typing import Any


def assert_error(
    response: Any, code: int, field: str | None = None, location: str = "json"
) -> dict:
    """The response is the one JSON error shape with this code (and names `field`)."""
    assert response.status_code == code, (response.status_code, response.get_data(as_text=True))
    assert response.is_json, response.get_data(as_text=True)
    body = response.get_json()
    assert body["code"] == code
    assert isinstance(body["status"], str) and body["status"]
    assert isinstance(body["message"], str) and body["message"]
    if field is not None:
        assert field in body["errors"][location], body
    return body
