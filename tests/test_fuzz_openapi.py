"""Schemathesis against the app's own OpenAPI document, in process, signed in.

Every operation of /api/openapi.json gets a bounded number of generated requests (valid and
invalid), sent by a moderator of a small seeded neighbourhood (so ids like 1 exist: a
neighbourhood, a canteen, a meal, a post, a comment, a conversation). Each response must not
be a 5xx and must agree with the document: a documented status code, the documented content
type, and a body that validates against the documented schema. Every error also carries a
`reason` from the document's `Error` enum and a `Content-Language`, and its `field_reasons`
mirror its `errors` (same keys, same list lengths).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from tests.support.factories import Actor
from tests.support.world import document, seed_world

MAX_EXAMPLES = 10
DOCUMENT = document()
REASONS = set(DOCUMENT["components"]["schemas"]["Error"]["properties"]["reason"]["enum"])


def _mirrors(errors: Any, reasons: Any, where: str = "") -> None:
    """`reasons` has the shape of `errors`, a listed reason in place of each message."""
    if isinstance(errors, dict):
        assert isinstance(reasons, dict) and set(reasons) == set(errors), (where, reasons)
        for key in errors:
            _mirrors(errors[key], reasons[key], f"{where}.{key}")
    elif isinstance(errors, list):
        assert isinstance(reasons, list) and len(reasons) == len(errors), (where, reasons)
        for i, (error, reason) in enumerate(zip(errors, reasons, strict=True)):
            _mirrors(error, reason, f"{where}[{i}]")
    else:
        assert isinstance(errors, str) and errors, (where, errors)
        assert reasons in REASONS, (where, reasons)


@schemathesis.check
def errors_carry_a_listed_reason_and_a_language(ctx: Any, response: Any, case: Any) -> None:
    """Every 4xx/5xx has a `reason` from the `Error` enum, a message and `Content-Language`."""
    if response.status_code < 400:
        return
    assert response.headers.get("content-language"), "no Content-Language on an error"
    body = response.json()
    assert body.get("reason") in REASONS, f"reason {body.get('reason')!r} is not in the enum"
    assert isinstance(body.get("message"), str) and body["message"]


@schemathesis.check
def field_reasons_mirror_errors(ctx: Any, response: Any, case: Any) -> None:
    """`field_reasons` has exactly the keys and list lengths of `errors`."""
    if response.status_code < 400:
        return
    body = response.json()
    assert ("errors" in body) == ("field_reasons" in body), body
    if "errors" in body:
        _mirrors(body["errors"], body["field_reasons"])


CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.positive_data_acceptance,
    schemathesis.checks.negative_data_rejection,
    errors_carry_a_listed_reason_and_a_language,
    field_reasons_mirror_errors,
]


# The coverage phase (every boundary of every field, hundreds of explicit cases per
# operation) is left to a manual `schemathesis run`; CI keeps a bounded random sample.
#
# Beyond "no 5xx" and agreeing with the documented responses, data valid by the document must
# be accepted (`positive_data_acceptance`: not 400/422) and data invalid by it refused
# (`negative_data_rejection`); hypothesis generates both (positive and negative modes, the
# default). Some rules can't be said in JSON Schema; these operations may answer a valid
# request 422, for the reason given. Any other operation must agree with its document.
SEMANTIC_422 = {
    ("POST", "/api/v1/auth/register"): "zxcvbn refuses easily guessed passwords",
    ("POST", "/api/v1/me/password"): "the current password must be the account's",
    ("DELETE", "/api/v1/me"): "the password must be the account's",
    ("POST", "/api/v1/users/{user_id}/block"): "no one blocks themselves",
    ("POST", "/api/v1/conversations"): "the participants must be other people",
    ("POST", "/api/v1/canteens/{canteen_id}/meals"): "a meal starts in the future",
    # Meal series: the RRULE subset, dates today or later and of the rule, times that exist.
    ("POST", "/api/v1/canteens/{canteen_id}/series"): "starts_on today or later; the RRULE subset",
    ("PATCH", "/api/v1/series/{series_id}"): "the RRULE subset; local times that exist",
    ("POST", "/api/v1/series/{series_id}/skips"): "a date of the series, today or later",
    ("PATCH", "/api/v1/meals/{meal_id}"): "scope: following is for a meal of a series",
    # Cursors are opaque: only the server's own next_cursor is valid.
    ("GET", "/api/v1/me/blocks"): "after: an opaque cursor",
    ("GET", "/api/v1/conversations"): "after: an opaque cursor",
    ("GET", "/api/v1/notifications"): "after: an opaque cursor",
    ("GET", "/api/v1/neighbourhoods"): "after: an opaque cursor",
    # Rules the document states in words that JSON Schema can't express.
    ("PATCH", "/api/v1/me"): "avatar_url: an https URL on a public host (no private address)",
    ("POST", "/api/v1/notifications/read"): "`ids` or `all: true` (one of two, not both absent)",
}
_POSITIVE = ["2xx", "3xx", "401", "403", "404", "409", "429"]
CONFIG = SchemathesisConfig.from_dict(
    {
        "phases": {"coverage": {"enabled": False}},
        "operations": [
            {
                "include-method": method,
                "include-path": path,
                "checks": {"positive_data_acceptance": {"expected-statuses": [*_POSITIVE, "422"]}},
            }
            for method, path in SEMANTIC_422
        ],
    }
)
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)


# Operations that can end the caller's session; each of their examples gets a fresh token.
SIGNS_OUT = {"/api/v1/auth/logout", "/api/v1/me", "/api/v1/me/password"}


@pytest.fixture
def world(app: Any, auth: Any) -> Actor:
    return seed_world(auth)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_every_operation_agrees_with_the_openapi_document(
    case: Any, app: Any, auth: Any, world: Actor
) -> None:
    path = case.operation.path
    if path in SIGNS_OUT or path.startswith("/api/v1/me/sessions"):
        world.token = auth.token_for(world)
    case.call_and_validate(app=app, headers=world.headers, checks=CHECKS)
