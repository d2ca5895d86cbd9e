"""Every message exists in French, every reason is listed, and the language is chosen as
documented: the caller's own setting, then `Accept-Language`, then `DEFAULT_LOCALE`.

The catalog tests read the source with babel's own extractor (as `make translations` does), so
a message wrapped anywhere in `neighbours/` without a French translation fails here, by name.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask_babel import force_locale

from neighbours import i18n
from neighbours.errors import _limit_message
from neighbours.reasons import REASONS
from tests.support.api import v1

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "neighbours"
FRENCH_PO = SOURCE / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_l": None, "lazy_gettext": None, "gettext": None, "ngettext": (1, 2), "_": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|\{(\w*)[^{}]*\}")


@cache
def _french() -> Catalog:
    with FRENCH_PO.open("rb") as po:
        return read_po(po, locale="fr")


def _source_messages() -> dict[str, str]:
    """msgid -> where it is first used, for every message marked in the source."""
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(SOURCE), method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=()
    ):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:
                found.setdefault(msgid, f"neighbours/{filename}:{lineno}")
    return found


def _placeholders(text: str) -> list[str]:
    return sorted(a or b for a, b in PLACEHOLDER.findall(text))


def french(msgid: str, **values: Any) -> str:
    """The catalog's French for a msgid, filled in as the API fills it."""
    text = _french()[msgid].string
    assert text, msgid
    return text % values if "%(" in text else text


# --- (a) the catalog ----------------------------------------------------------------------


def test_the_source_has_messages_to_translate() -> None:
    messages = _source_messages()
    assert "Not found, or not visible to you." in messages
    assert "Missing data for required field." in messages
    assert len(messages) > 100


def test_every_message_has_a_french_translation() -> None:
    catalog = _french()
    missing = []
    for msgid, where in sorted(_source_messages().items(), key=lambda item: item[1]):
        entry = catalog.get(msgid)
        if entry is None or not entry.string:
            missing.append(f"{where}: no French for {msgid!r}")
        elif entry.fuzzy:
            missing.append(f"{where}: the French for {msgid!r} is fuzzy")
    assert not missing, "\n".join(missing)


def test_translations_keep_the_placeholders() -> None:
    wrong = []
    for entry in _french():
        if not entry.id or not entry.string or isinstance(entry.id, tuple):
            continue
        if _placeholders(entry.id) != _placeholders(entry.string):
            wrong.append(f"{entry.id!r} -> {entry.string!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_the_catalog_has_no_duplicate_msgid() -> None:
    ids = re.findall(r'^msgid "(.*)"$', FRENCH_PO.read_text(encoding="utf-8"), re.MULTILINE)
    duplicates = sorted({i for i in ids if ids.count(i) > 1 and i})
    assert not duplicates, duplicates


# --- (b) reasons ------------------------------------------------------------------------------

_REASON_LITERALS = re.compile(
    r"""\breason\s*(?::\s*str\s*)?=\s*["'](\w+)["']"""
    r"""|\bFieldError\(\s*["'](\w+)["']"""
    r"""|\btemplate\(\s*["'](\w+)["']"""
)


def test_every_reason_in_the_source_is_listed() -> None:
    unknown = []
    for path in sorted(SOURCE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for match in _REASON_LITERALS.finditer(text):
            reason = next(group for group in match.groups() if group)
            if reason not in REASONS:
                line = text.count("\n", 0, match.start()) + 1
                unknown.append(f"{path.relative_to(ROOT)}:{line}: {reason!r}")
    assert not unknown, "reasons not in neighbours/reasons.py:\n" + "\n".join(unknown)


def test_reasons_are_snake_case_and_described() -> None:
    for reason, description in REASONS.items():
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", reason), reason
        assert description.strip(), reason


# --- (c) end to end -------------------------------------------------------------------------

FR = {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}


def _check(response: Any, code: int, reason: str, message: str, language: str) -> dict:
    assert response.status_code == code, response.get_data(as_text=True)
    body = response.get_json()
    assert body["reason"] == reason, body
    assert body["message"] == message, body
    assert response.headers["Content-Language"] == language
    return body


@pytest.fixture
def stranger(auth: Any) -> Any:
    return auth.user()


@pytest.mark.parametrize("headers,language", [(FR, "fr"), ({}, "en")])
def test_http_errors_answer_in_the_requested_language(
    api: Any, auth: Any, stranger: Any, headers: dict, language: str
) -> None:
    def say(msgid: str) -> str:
        return french(msgid) if language == "fr" else msgid

    _check(
        api.get("/neighbourhoods/987654", as_=stranger, headers=headers),
        404,
        "not_found",
        say("Not found, or not visible to you."),
        language,
    )
    _check(
        api.get("/me", headers=headers),
        401,
        "unauthorized",
        say("A valid bearer token is required."),
        language,
    )
    _check(
        api.get("/auth/login", headers=headers),
        405,
        "method_not_allowed",
        say("This path does not accept this method."),
        language,
    )
    _check(
        api.post("/auth/login", data="email=a", content_type="text/plain", headers=headers),
        400,
        "not_json",
        say("The request body must be JSON (Content-Type: application/json)."),
        language,
    )
    neighbourhood = auth.neighbourhood()
    _check(
        api.get(f"/neighbourhoods/{neighbourhood.id}/members", as_=stranger, headers=headers),
        403,
        "not_a_member",
        say("Only active members of this neighbourhood can do this."),
        language,
    )
    taken = {"email": stranger.email, "password": "a long and unusual passphrase 42"}
    _check(
        api.post("/auth/register", json={**taken, "display_name": "Zoé"}, headers=headers),
        409,
        "email_taken",
        say("An account with this email already exists."),
        language,
    )


@pytest.mark.parametrize("headers,language", [(FR, "fr"), ({}, "en")])
def test_marshmallow_messages_answer_in_the_requested_language(
    api: Any, stranger: Any, headers: dict, language: str
) -> None:
    body = _check(
        api.patch(
            "/me",
            as_=stranger,
            json={"bio": "x" * 501, "locale": "de", "shoe_size": 44},
            headers=headers,
        ),
        422,
        "invalid_input",
        french("The request was well-formed but contained invalid values.")
        if language == "fr"
        else "The request was well-formed but contained invalid values.",
        language,
    )
    errors, reasons = body["errors"]["json"], body["field_reasons"]["json"]
    if language == "fr":
        assert errors["bio"] == [french("Longer than maximum length {max}.").format(max=500)]
        assert errors["bio"] == ["Plus long que la longueur maximale de 500."]
        assert errors["locale"] == [french("Must be one of: {choices}.").format(choices="en, fr")]
        assert errors["shoe_size"] == [french("Unknown field.")]
    else:
        assert errors["bio"] == ["Longer than maximum length 500."]
        assert errors["locale"] == ["Must be one of: en, fr."]
        assert errors["shoe_size"] == ["Unknown field."]
    assert reasons == {
        "bio": ["too_long"],
        "locale": ["not_one_of"],
        "shoe_size": ["unknown_field"],
    }

    body = api.post("/auth/login", json={}, headers=headers).get_json()
    required = "Missing data for required field."
    assert body["errors"]["json"]["email"] == [french(required) if language == "fr" else required]
    assert body["field_reasons"]["json"]["email"] == ["required"]


@pytest.mark.parametrize("headers,language", [(FR, "fr"), ({}, "en")])
def test_the_login_throttle_answers_in_the_requested_language(
    make_app: Any, auth: Any, headers: dict, language: str
) -> None:
    client = make_app(LIMITS_ENABLED=True, RATELIMIT_LOGIN_IP="1 per minute").test_client()
    attempt = {"email": "nobody@example.org", "password": "not the right one"}
    ip = {"REMOTE_ADDR": f"198.51.100.{40 + len(headers)}"}
    first = client.post(v1("/auth/login"), json=attempt, headers=headers, environ_base=ip)
    _check(
        first,
        401,
        "wrong_credentials",
        french("Wrong email or password.") if language == "fr" else "Wrong email or password.",
        language,
    )
    second = client.post(v1("/auth/login"), json=attempt, headers=headers, environ_base=ip)
    msgid = "Too many failed attempts; try again later."
    _check(second, 429, "login_throttled", french(msgid) if language == "fr" else msgid, language)
    assert int(second.headers["Retry-After"]) >= 1


def test_the_users_own_setting_beats_accept_language(api: Any, stranger: Any) -> None:
    done = api.patch("/me", as_=stranger, json={"locale": "fr"})
    assert done.status_code == 200 and done.get_json()["locale"] == "fr"

    english = {"Accept-Language": "en"}
    _check(
        api.get("/neighbourhoods/987654", as_=stranger, headers=english),
        404,
        "not_found",
        french("Not found, or not visible to you."),
        "fr",
    )

    api.patch("/me", as_=stranger, json={"locale": None})
    response = api.get("/neighbourhoods/987654", as_=stranger, headers=english)
    assert response.headers["Content-Language"] == "en"


def test_the_configured_default_is_used_without_setting_or_header(make_app: Any) -> None:
    client = make_app(DEFAULT_LOCALE="fr").test_client()

    response = client.get(v1("/me"))

    _check(response, 401, "unauthorized", french("A valid bearer token is required."), "fr")
    assert client.get(v1("/me"), headers={"Accept-Language": "en"}).headers["Content-Language"] == (
        "en"
    )


# --- (d) sockets ---------------------------------------------------------------------------


def test_a_socket_ack_error_has_a_reason_and_the_users_language(auth: Any, sockets: Any) -> None:
    phone = sockets.connected(auth.user(locale="fr"))

    unknown = phone.emit("no:such-event", {}, callback=True)
    missing = phone.emit("meal:watch", {"meal_id": 987654}, callback=True)

    assert unknown["ok"] is False
    assert unknown["error"]["reason"] == "unknown_event"
    assert unknown["error"]["message"] == french("No such event: %(name)s.", name="no:such-event")
    assert missing["error"]["reason"] == "not_found"
    assert missing["error"]["message"] == french("Not found, or not visible to you.")
    reserved = phone.emit("disconnect", {}, callback=True)  # refused before any handler
    assert reserved["error"]["reason"] == "reserved_event"
    assert reserved["error"]["message"] == french("This event name is reserved.")


def test_a_socket_without_a_setting_speaks_its_handshakes_language(auth: Any, sockets: Any) -> None:
    who = auth.user()
    french_phone = sockets.connect(who, headers={"Accept-Language": "fr"})
    english_phone = sockets.connect(who)
    assert french_phone.is_connected() and english_phone.is_connected()

    in_french = french_phone.emit("meal:watch", {"meal_id": 1}, "extra", callback=True)
    in_english = english_phone.emit("meal:watch", {"meal_id": 1}, "extra", callback=True)

    assert in_french["error"]["reason"] == in_english["error"]["reason"] == "one_argument"
    assert in_french["error"]["message"] == french("Events take one argument, an object.")
    assert in_english["error"]["message"] == "Events take one argument, an object."


def test_the_openapi_document_lists_every_reason_with_its_meaning(client: Any) -> None:
    reason = client.get("/api/openapi.json").get_json()["components"]["schemas"]["Error"][
        "properties"
    ]["reason"]

    assert set(reason["enum"]) == set(REASONS)
    assert reason["x-reasons"] == REASONS
    assert "`not_a_member`: " in reason["description"]


def test_a_process_compiles_a_missing_or_stale_catalog(tmp_path):
    """gunicorn started straight from a checkout (no `make install`) still speaks French."""
    source = i18n.CATALOGS / "fr" / "LC_MESSAGES" / "messages.po"
    target = tmp_path / "fr" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(source, target / "messages.po")
    assert i18n.compile_catalogs(tmp_path) == [target / "messages.mo"]
    assert (target / "messages.mo").stat().st_size > 1000
    assert i18n.compile_catalogs(tmp_path) == []  # up to date: nothing to do
    os.utime(target / "messages.po", (time.time() + 5, time.time() + 5))
    assert i18n.compile_catalogs(tmp_path) == [target / "messages.mo"]  # the .po changed


@pytest.mark.parametrize(
    ("limit", "english", "french_text"),
    [
        ("2 per 1 hour", "at most 2 in 1 hour.", "au plus 2 en 1\xa0heure."),
        ("30 per 15 minutes", "at most 30 in 15 minutes.", "au plus 30 en 15\xa0minutes."),
        ("something else", "try again later.", "réessayez plus tard."),
    ],
)
def test_a_rate_limit_is_said_in_the_callers_language(app, limit, english, french_text):
    """Flask-Limiter describes its limits in English ("2 per 1 hour"): said in French too."""

    def said(locale: str) -> str:  # CLDR puts (narrow) no-break spaces before units
        with force_locale(locale):
            return str(_limit_message(limit)).replace("\xa0", " ").replace("\u202f", " ")

    with app.test_request_context():
        assert said("en").endswith(english)
        assert said("fr").endswith(french_text.replace("\xa0", " "))
