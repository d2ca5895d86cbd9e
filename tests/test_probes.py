"""Generic probes of bad input, walking the OpenAPI document so a new operation is covered.

Every string field of every request body and query string gets an unpaired surrogate and a
10 KB string; every cursor parameter gets forged cursors of every JSON type; every write gets
deeply nested JSON. Each answer must be a 4xx in the one JSON error shape, naming the field
(never a 5xx, never HTML). Then one regression test for each 500 the outside probe found.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.errors import assert_error
from tests.support.factories import Actor
from tests.support.world import document, seed_world

DOC = document()
METHODS = ("get", "post", "put", "patch", "delete")
SURROGATE = "\ud800"
NUL = "a\x00b"  # PostgreSQL stores no NUL in text: a 422 naming the field, not out_of_range
LONG = "é" * 10_240  # 10 KB and more: beyond every string field's maxLength
SURROGATE_IN_QUERY = "%ED%A0%80"  # "\ud800" as the bytes a client would send (not UTF-8)


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = DOC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in DOC["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def _is_string(schema: dict[str, Any]) -> bool:
    enum = schema.get("enum") or []
    return schema.get("type") == "string" or bool(enum and all(isinstance(e, str) for e in enum))


def string_fields(schema: dict[str, Any], path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Paths to every string a body can carry: `("pools", 0, "label")`."""
    schema = _resolve(schema)
    if _is_string(schema):
        yield path
    for name, sub in (schema.get("properties") or {}).items():
        if not _resolve(sub).get("readOnly"):
            yield from string_fields(sub, (*path, name))
    if schema.get("type") == "array" and "items" in schema:
        yield from string_fields(schema["items"], (*path, 0))


def body_with(path: tuple[Any, ...], value: Any) -> Any:
    for step in reversed(path):
        value = [value] if isinstance(step, int) else {step: value}
    return value


def request_schema(operation: dict[str, Any]) -> dict[str, Any] | None:
    content = (operation.get("requestBody") or {}).get("content") or {}
    return (content.get("application/json") or {}).get("schema")


def query_params(operation: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in operation.get("parameters", []) if p["in"] == "query"]


class Probe:
    """A seeded neighbourhood (ids 1 exist) and a moderator of it sending the probes."""

    def __init__(self, app: Any, auth: Any) -> None:
        self.client = app.test_client()
        self.auth = auth
        self.moderator = seed_world(auth)
        member_id = self.moderator.id + 2  # seed_world: moderator, host, member
        response = self.client.post(
            "/api/v1/conversations",
            json={"participant_ids": [member_id]},
            headers=self.moderator.headers,
        )
        assert response.status_code == 201, response.get_json()
        self.client.post(
            f"/api/v1/conversations/{response.get_json()['id']}/messages",
            json={"body": "Bonjour"},
            headers=self.moderator.headers,
        )

    def url(self, path: str, operation: dict[str, Any]) -> str:
        def fill(match: re.Match[str]) -> str:
            for param in operation.get("parameters", []):
                if param["in"] == "path" and param["name"] == match.group(1):
                    enum = param["schema"].get("enum")
                    return str(enum[0]) if enum else "1"
            return "1"

        return re.sub(r"\{(\w+)\}", fill, path)

    def send(self, method: str, url: str, **kwargs: Any) -> Any:
        actor = self.moderator
        if method != "get":  # a fresh token: some operations end the session they are sent with
            actor = Actor(actor.id, actor.email, self.auth.token_for(actor))
        return self.client.open(url, method=method.upper(), headers=actor.headers, **kwargs)


@pytest.fixture
def probe(app: Any, auth: Any) -> Probe:
    return Probe(app, auth)


def _problem(response: Any, code: int | None = None) -> str | None:
    """Why a response is not a 4xx in the one JSON error shape (None when it is)."""
    if response.status_code >= 500 or response.status_code < 400:
        return f"answered {response.status_code}: {response.get_data(as_text=True)[:200]}"
    if not response.is_json:
        return f"answered {response.status_code} as {response.content_type}"
    body = response.get_json()
    if body.get("code") != response.status_code or not body.get("message"):
        return f"not the error shape: {body}"
    if code is not None and response.status_code != code:
        return f"answered {response.status_code}, not {code}: {body}"
    return None


def _names(response: Any, location: str, name: str) -> bool:
    return name in ((response.get_json() or {}).get("errors") or {}).get(location, {})


# --- every string field -----------------------------------------------------------------


def test_every_body_string_field_refuses_unpaired_surrogates_nul_and_10_kb(probe: Probe) -> None:
    failures, probed = [], 0
    for method, path, operation in operations():
        schema = request_schema(operation)
        if schema is None:
            continue
        url = probe.url(path, operation)
        for field in string_fields(schema):
            for label, value in (("surrogate", SURROGATE), ("NUL", NUL), ("10 KB", LONG)):
                probed += 1
                response = probe.send(method, url, json=body_with(field, value))
                problem = _problem(response, 422)
                if problem is None and not _names(response, "json", str(field[0])):
                    problem = f"422 not naming {field[0]}: {response.get_json()}"
                if problem:
                    failures.append(f"{method.upper()} {path} {field} {label}: {problem}")
    assert probed > 100, probed  # the walk found the fields
    assert not failures, "\n".join(failures)


def test_every_query_string_parameter_refuses_bad_text(probe: Probe) -> None:
    failures, probed = [], 0
    for method, path, operation in operations():
        url = probe.url(path, operation)
        for param in query_params(operation):
            if not _is_string(param["schema"]) and param["schema"].get("type"):
                continue
            name = param["name"]
            probed += 1
            response = probe.send(method, f"{url}?{name}={'a' * 10_240}")
            problem = _problem(response, 422)
            if problem is None and not _names(response, "query", name):
                problem = f"422 not naming {name}: {response.get_json()}"
            if problem:
                failures.append(f"{method.upper()} {path} ?{name} 10 KB: {problem}")
            # Not UTF-8: Werkzeug decodes it as replacement characters; any answer but a
            # 5xx or a page that is not JSON will do.
            response = probe.send(method, f"{url}?{name}={SURROGATE_IN_QUERY}")
            if response.status_code >= 500 or not response.is_json:
                failures.append(f"{method.upper()} {path} ?{name} surrogate: {response.status}")
    assert probed > 20, probed
    assert not failures, "\n".join(failures)


# --- every cursor -----------------------------------------------------------------------

CURSOR_PARAMS = {"after", "before"}
_NOW = {"t": "2026-01-01T12:00:00+00:00"}
# Not valid in any position of any list: each is put in turn in every position of
# well-formed cursors.
_NEVER_VALID = [
    None,
    [],
    {},
    [[1]],
    {"t": "0001-01-01T00:00:00+23:59"},
    {"t": "9999-12-31T23:59:59-23:59"},
    {"t": "2026-01-01T12:00:00"},  # no offset
    {"t": 5},
    {"t": "not a time"},
    2**64,
    -(2**64),
    10**30,
]
# The shapes of the lists' keys: (id), (time, id), (pinned, time, id).
_SHAPES = [[1], [_NOW, 1], [0, _NOW, 1]]


def _encode(value: Any) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def forged_cursors() -> list[str]:
    whole: list[Any] = [None, True, False, 1, 1.5, -1, 2**70, "x", [], {}, [[[[[]]]]], _NOW]
    whole += [[1] * 5, [_NOW] * 6, {"t": "0001-01-01T00:00:00+23:59"}]
    cursors = [_encode(v) for v in whole]
    cursors += [_encode([*shape[:i], bad, *shape[i + 1 :]]) for shape in _SHAPES
                for i in range(len(shape)) for bad in _NEVER_VALID]  # fmt: skip
    cursors += [
        _encode(b"[" * 5000 + b"]" * 5000),  # deeper than Python's recursion limit
        _encode(b"\xff\xfe not UTF-8"),
        _encode(b"[1,"),  # not JSON
        "not base64!",
        "%00",
    ]
    return cursors


def test_every_cursor_parameter_refuses_forged_cursors(probe: Probe) -> None:
    cursors = forged_cursors()
    failures, probed = [], set()
    for method, path, operation in operations():
        url = probe.url(path, operation)
        for param in query_params(operation):
            if param["name"] not in CURSOR_PARAMS:
                continue
            probed.add((path, param["name"]))
            for cursor in cursors:
                response = probe.send(method, f"{url}?{param['name']}={cursor}")
                problem = _problem(response, 422)
                if problem is None and not _names(response, "query", param["name"]):
                    problem = f"not naming {param['name']}: {response.get_json()}"
                if problem:
                    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4) + "==")
                    failures.append(f"{path} ?{param['name']}={raw[:80]!r}: {problem}")
    assert len(probed) >= 12, probed  # every list, and messages in both directions
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:40])


# --- bodies that are not JSON ------------------------------------------------------------

NOT_JSON = [
    ("{not json", "application/json"),
    ("email=a@b.c", "application/x-www-form-urlencoded"),
    ("just text", "text/plain"),
    (b"\xff\xfe\x00", "application/json"),
]


def test_every_write_refuses_a_body_that_is_not_json(probe: Probe) -> None:
    """Every operation that takes a JSON body answers 400 in the error shape to one that isn't
    (this covers each endpoint's own "body not JSON" check)."""
    failures, probed = [], 0
    for method, path, operation in operations():
        if request_schema(operation) is None:
            continue
        probed += 1
        url = probe.url(path, operation)
        for data, content_type in NOT_JSON:
            response = probe.send(method, url, data=data, content_type=content_type)
            try:
                assert_error(response, 400)
            except AssertionError as exc:
                failures.append(f"{method.upper()} {path} {content_type} {data!r}: {exc}")
    assert probed >= 25, probed  # every write with a JSON body in the document
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:40])


# --- deep JSON --------------------------------------------------------------------------


def test_every_write_refuses_deeply_nested_json(probe: Probe) -> None:
    arrays = "[" * 1000 + "]" * 1000  # 2 KB: deeper than Python's recursion limit
    objects = '{"a":' * 100 + "1" + "}" * 100  # parses, but no body is this deep
    failures = []
    for method, path, operation in operations():
        if method == "get":
            continue
        url = probe.url(path, operation)
        for label, body in (("arrays", arrays), ("objects", objects)):
            response = probe.send(method, url, data=body, content_type="application/json")
            problem = _problem(response, 400)
            if problem:
                failures.append(f"{method.upper()} {path} nested {label}: {problem}")
    assert not failures, "\n".join(failures)


# --- a required body -------------------------------------------------------------------


def test_every_operation_whose_body_is_required_refuses_none(probe: Probe) -> None:
    """The document says `requestBody.required`; a request without one is a 400 (or a 422
    naming a missing field; webargs alone read it as `{}`, and a PATCH without a body answered
    200)."""
    failures, probed = [], 0
    for method, path, operation in operations():
        if not (operation.get("requestBody") or {}).get("required"):
            continue
        probed += 1
        response = probe.send(method, probe.url(path, operation))
        problem = _problem(response)
        if problem is None and response.status_code not in (400, 422):
            problem = f"answered {response.status_code}: {response.get_json()}"
        if problem:
            failures.append(f"{method.upper()} {path} without a body: {problem}")
    assert probed > 20, probed
    assert not failures, "\n".join(failures)


def test_no_body_and_no_token_is_still_401(client: Any) -> None:
    response = client.patch("/api/v1/me")
    assert response.status_code == 401, response.get_json()


# --- regressions: the 500s the outside probe found --------------------------------------


@pytest.mark.parametrize("length", [73, 100, 128])
def test_a_strong_password_longer_than_72_characters_is_accepted(client: Any, length: int) -> None:
    password = ("correct-horse-battery-staple-" * 5)[: length - 3] + "X9!"
    response = client.post(
        "/api/v1/auth/register",
        json={"email": f"long{length}@example.org", "password": password, "display_name": "L"},
    )
    assert response.status_code == 201, response.get_json()
    login = client.post(
        "/api/v1/auth/login", json={"email": f"long{length}@example.org", "password": password}
    )
    assert login.status_code == 200, login.get_json()


def test_a_weak_password_longer_than_72_characters_is_refused(client: Any) -> None:
    response = client.post(
        "/api/v1/auth/register",
        json={"email": "weak@example.org", "password": "a" * 100, "display_name": "W"},
    )
    assert_error(response, 422, "password")


def test_a_long_new_password_is_scored_not_a_500(client: Any, auth: Any) -> None:
    from tests.support.settings import TEST_PASSWORD

    me = auth.user()
    response = client.post(
        "/api/v1/me/password",
        json={"current_password": TEST_PASSWORD, "new_password": "Zq" + "x7#kP-" * 21},
        headers=me.headers,
    )
    assert response.status_code in (200, 204), response.get_json()


def test_an_unpaired_surrogate_in_the_login_email_is_422(client: Any) -> None:
    response = client.post(
        "/api/v1/auth/login",
        data='{"email": "\\ud800@example.org", "password": "whatever-it-is"}',
        content_type="application/json",
    )
    assert_error(response, 422, "email")


def test_an_unpaired_surrogate_sent_as_raw_bytes_is_422(client: Any, auth: Any) -> None:
    # Python's JSON decoder lets the UTF-8 encoding of a surrogate through, like `\ud800`.
    response = client.post(
        "/api/v1/auth/login",
        data=b'{"email": "\xed\xa0\x80@example.org", "password": "whatever-it-is"}',
        content_type="application/json",
    )
    assert_error(response, 422, "email")


def test_an_unpaired_surrogate_in_a_nested_field_names_it(probe: Probe) -> None:
    response = probe.send(
        "post",
        "/api/v1/canteens/1/meals",
        json={"title": "Soupe", "pools": [{"key": "table", "label": SURROGATE}]},
    )
    body = assert_error(response, 422, "pools")
    assert body["errors"]["json"]["pools"] == {"0": {"label": [body["errors"]["json"]["pools"]
                                                                ["0"]["label"][0]]}}  # fmt: skip


def test_two_kb_of_nested_arrays_is_400(client: Any) -> None:
    response = client.post(
        "/api/v1/auth/register", data="[" * 1000 + "]" * 1000, content_type="application/json"
    )
    assert_error(response, 400)


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00"]
)
@pytest.mark.parametrize(
    ("path", "shape"),
    [
        ("/api/v1/neighbourhoods/1/posts", lambda t: [0, t, 1]),
        ("/api/v1/neighbourhoods/1/meals", lambda t: [t, 1]),
        ("/api/v1/conversations", lambda t: [t, 1]),
    ],
)
def test_a_cursor_time_at_the_edge_of_the_calendar_is_422(
    probe: Probe, path: str, shape: Any, moment: str
) -> None:
    response = probe.send("get", f"{path}?after={_encode(shape({'t': moment}))}")
    assert_error(response, 422, "after", location="query")


@pytest.mark.parametrize("value", ["x", 1.5, [1], None, 2**64])
def test_a_forged_before_cursor_on_messages_is_422(probe: Probe, value: Any) -> None:
    response = probe.send("get", f"/api/v1/conversations/1/messages?before={_encode([value])}")
    assert_error(response, 422, "before", location="query")


def test_a_name_over_its_maximum_is_refused_even_when_white_space_pads_it(client: Any) -> None:
    """Schemathesis found `display_name` of 61 characters, the first a newline, accepted: the
    server trimmed before it counted, while the document's maxLength counts what is sent."""
    response = client.post(
        "/api/v1/auth/register",
        json={
            "email": "padded@example.org",
            "password": "a-long-and-unguessable-passphrase-42",
            "display_name": "\n" + "a" * 60,
        },
    )
    assert response.status_code == 422, response.get_json()
    assert "display_name" in response.get_json()["errors"]["json"]
