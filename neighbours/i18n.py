"""Languages: every message the API returns exists in English and French (Flask-Babel).

The language of a response is the caller's own setting (`locale` on their profile), else the
best match of `Accept-Language`, else `DEFAULT_LOCALE`; it is sent as `Content-Language`.
Messages are written in English in the code, wrapped in `lazy_gettext` (or `gettext` inside a
request), and translated by the catalogs under `neighbours/translations/` (compiled by
`make install`; `tests/test_i18n.py` fails when a message has no French translation).

Field errors from marshmallow are plain English strings: `field_errors` recognises them by
their template, gives each its reason and translates it.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, Response, current_app, has_request_context, request
from flask_babel import Babel, get_locale, gettext
from flask_babel import lazy_gettext as _l

log = logging.getLogger(__name__)

babel = Babel()

LANGUAGES = ("en", "fr")

_PROVIDER = "neighbours_user_locale"


def set_user_locale_provider(app: Flask, provider: Callable[[], str | None]) -> None:
    """The seam the wiring fills: the signed-in caller's own language setting, or None."""
    app.extensions[_PROVIDER] = provider


def select_locale() -> str:
    """The caller's setting, then `Accept-Language`, then the configured default."""
    if not has_request_context():
        return language_for(None)
    provider = current_app.extensions.get(_PROVIDER)
    chosen = None
    if provider is not None:
        try:
            chosen = provider()
        except Exception:  # an unusable token, the database down: fall back to the header
            chosen = None
    return language_for(chosen)


def language_for(own: str | None) -> str:
    """`own` (a user's setting) if it is a language we speak, else the best match of the
    request's `Accept-Language` (a socket's handshake too), else `DEFAULT_LOCALE`."""
    if own in LANGUAGES:
        return own  # type: ignore[return-value]
    return requested_language() or current_app.config.get("DEFAULT_LOCALE", "en")


def requested_language() -> str | None:
    """The language the request's `Accept-Language` (a socket's handshake too) asks for, if
    it names one we speak; None outside a request or when it names none."""
    if not has_request_context():
        return None
    return request.accept_languages.best_match(LANGUAGES)


def current_language() -> str:
    """The language of the current response ("en" or "fr")."""
    locale = get_locale()
    return locale.language if locale is not None else "en"


def _content_language(response: Response) -> Response:
    response.headers.setdefault("Content-Language", current_language())
    vary = response.headers.get("Vary", "")
    if "Accept-Language" not in vary:
        response.headers["Vary"] = f"{vary}, Accept-Language" if vary else "Accept-Language"
    return response


CATALOGS = Path(__file__).parent / "translations"


def compile_catalogs(directory: Path = CATALOGS) -> list[Path]:
    """Compile each `messages.po` whose `.mo` is missing or older, as `make install` does, so
    that a process started any other way (gunicorn straight from a checkout) still speaks
    French, and every process of a deployment reads the same catalog. Returns what it wrote."""
    written = []
    for po in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source)
        partial = mo.with_suffix(f".mo.{os.getpid()}")
        try:
            with partial.open("wb") as target:
                write_mo(target, catalog, use_fuzzy=False)
            partial.replace(mo)  # atomic: a process reading it sees the old or the new one
        except OSError:
            log.warning("could not compile %s (read-only?): run make install", po)
            partial.unlink(missing_ok=True)
            continue
        written.append(mo)
    return written


def init_app(app: Flask) -> None:
    app.config.setdefault("DEFAULT_LOCALE", "en")
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["DEFAULT_LOCALE"]
    compile_catalogs()
    babel.init_app(app, locale_selector=select_locale)
    app.after_request(_content_language)


# marshmallow's (and webargs') own messages, as templates: the reason each stands for. The
# msgids are marked with _l so that extraction puts them in the catalog; `{name}` parts are
# captured from the English message and put back into the translation. Order matters where one
# template is a prefix of another ("greater than" and "greater than or equal to").
_TEMPLATES: list[tuple[str, Any]] = [
    ("required", _l("Missing data for required field.")),
    ("null", _l("Field may not be null.")),
    ("unknown_field", _l("Unknown field.")),
    ("invalid", _l("Invalid value.")),
    ("invalid", _l("Invalid input.")),
    ("invalid", _l("Invalid type.")),
    ("invalid", _l("Invalid input type.")),
    # Length
    ("too_short", _l("Shorter than minimum length {min}.")),
    ("too_long", _l("Longer than maximum length {max}.")),
    ("bad_length", _l("Length must be between {min} and {max}.")),
    ("bad_length", _l("Length must be {equal}.")),
    # OneOf, Enum, ContainsOnly, ContainsNoneOf, Equal
    ("not_one_of", _l("Must be one of: {choices}.")),
    ("not_one_of", _l("One or more of the choices you made was not in: {choices}.")),
    ("not_one_of", _l("One or more of the choices you made was in: {values}.")),
    ("not_one_of", _l("Must be equal to {other}.")),
    # Range, inclusive bounds before exclusive ones
    (
        "out_of_bounds",
        _l("Must be greater than or equal to {min} and less than or equal to {max}."),
    ),
    ("out_of_bounds", _l("Must be greater than or equal to {min} and less than {max}.")),
    ("out_of_bounds", _l("Must be greater than {min} and less than or equal to {max}.")),
    ("out_of_bounds", _l("Must be greater than {min} and less than {max}.")),
    ("out_of_bounds", _l("Must be greater than or equal to {min}.")),
    ("out_of_bounds", _l("Must be greater than {min}.")),
    ("out_of_bounds", _l("Must be less than or equal to {max}.")),
    ("out_of_bounds", _l("Must be less than {max}.")),
    ("out_of_bounds", _l("Number too large.")),
    # Types
    ("invalid", _l("Not a valid string.")),
    ("invalid", _l("Not a valid utf-8 string.")),
    ("invalid", _l("Not a valid integer.")),
    ("invalid", _l("Not a valid number.")),
    ("invalid", _l("Special numeric values (nan or infinity) are not permitted.")),
    ("invalid", _l("Not a valid boolean.")),
    ("invalid", _l("Not a valid list.")),
    ("invalid", _l("Not a valid tuple.")),
    ("invalid", _l("Not a valid mapping type.")),
    ("invalid", _l("Not a valid UUID.")),
    ("bad_date", _l("Not a valid datetime.")),
    ("bad_date", _l("Not a valid aware datetime.")),
    ("bad_date", _l("Not a valid naive datetime.")),
    ("bad_date", _l("Not a valid date.")),
    ("bad_date", _l("Not a valid time.")),
    ("bad_date", _l("Not a valid period of time.")),
    ("bad_email", _l("Not a valid email address.")),
    ("bad_url", _l("Not a valid URL.")),
    ("bad_format", _l("String does not match expected pattern.")),
]

# Placeholders that stand for one number (or word): they never swallow the text around them.
_ONE_WORD = {"min": r"\S+?", "max": r"\S+?", "equal": r"\S+?"}


def template(reason: str, message: Any) -> str:
    """Declare a schema's own message (a `_l` string, with `{name}` placeholders marshmallow
    fills) and its reason; returns the English text to give marshmallow.

    `error=template("not_one_of", _l("Unknown diet '{input}'; one of: {choices}."))`: the
    message is then translated and given its reason wherever it appears in a 422.
    """
    _TEMPLATES.append((reason, message))
    _COMPILED.clear()
    return str(message._args[0])


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>{_ONE_WORD.get(part, '.+?')})"
        for i, part in enumerate(parts)
    )
    return re.compile(f"^{regex}$", re.DOTALL)


_COMPILED: list[tuple[re.Pattern[str], str, Any]] = []


def _compiled() -> list[tuple[re.Pattern[str], str, Any]]:
    if not _COMPILED:
        for reason, lazy in _TEMPLATES:
            _COMPILED.append((_pattern(lazy._args[0]), reason, lazy))
    return _COMPILED


def _one(message: Any) -> tuple[str, str]:
    """(translated message, reason) of one field message."""
    reason = getattr(message, "reason", None)
    if reason is not None:  # a FieldError
        return str(message.message), reason
    text = str(message)
    for pattern, reason, lazy in _compiled():
        match = pattern.match(text)
        if match:
            return gettext(lazy._args[0]).format(**match.groupdict()), reason
    return gettext(text) if text else text, "invalid"


def field_errors(errors: Any) -> tuple[Any, Any]:
    """The errors tree with each message translated, and the same tree of reasons."""
    if isinstance(errors, dict):
        pairs = {key: field_errors(value) for key, value in errors.items()}
        return (
            {key: pair[0] for key, pair in pairs.items()},
            {key: pair[1] for key, pair in pairs.items()},
        )
    if isinstance(errors, list | tuple):
        messages, reasons = [], []
        for item in errors:
            if isinstance(item, dict | list | tuple):
                message, reason = field_errors(item)
            else:
                message, reason = _one(item)
            messages.append(message)
            reasons.append(reason)
        return messages, reasons
    return _one(errors)
