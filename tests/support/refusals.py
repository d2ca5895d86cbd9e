"""Refusals in tests: the error's `reason` (and a field's), and its message in French."""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale, gettext

from tests.support.errors import assert_error

FRENCH = {"Accept-Language": "fr"}


def refused(
    response: Any,
    code: int,
    reason: str,
    *,
    field: str | None = None,
    field_reason: str | None = None,
    location: str = "json",
) -> dict:
    """The one error shape with this code and reason; with `field`, that field's reason too."""
    body = assert_error(response, code, field, location)
    assert body["reason"] == reason, body
    if field is not None:
        assert body["field_reasons"][location][field] == [field_reason or reason], body
    return body


def french(headers: dict[str, str]) -> dict[str, str]:
    """An actor's headers, asking for French."""
    return {**headers, **FRENCH}


def in_french(msgid: str, **variables: Any) -> str:
    """The French catalog's translation of an English message (it must not be the English)."""
    with force_locale("fr"):
        text = gettext(msgid, **variables)
    assert text != msgid % variables if variables else text != msgid, f"no French for {msgid!r}"
    return text
