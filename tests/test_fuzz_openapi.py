"""Schemathesis against the app's own OpenAPI document, in process, signed in.

Every operation of /api/openapi.json gets a bounded number of generated requests (valid and
invalid), sent by a moderator of a small seeded neighbourhood (so ids like 1 exist: a
neighbourhood, a canteen, a meal, a post, a comment, a conversation). Each response must not
be a 5xx and must agree with the document: a documented status code, the documented content
type, and a body that validates against the documented schema.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from neighbours import create_app
from neighbours.database import utcnow
from neighbours.extensions import db
from tests.support.factories import Actor
from tests.support.settings import base_config

MAX_EXAMPLES = 10
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.positive_data_acceptance,
    schemathesis.checks.negative_data_rejection,
]


def seed_world(auth: Any) -> Actor:
    """A neighbourhood with a moderator (returned), a host, a member, a canteen, meals,
    a post with a comment, a conversation and a signup: the first row of most tables."""
    from neighbours.feed.models import Category, Comment, Post
    from neighbours.meals.models import Canteen, CanteenHost, Meal, MealStatus, SeatPool

    moderator = auth.user("Modératrice")
    quartier = auth.neighbourhood(moderator, name="Croix-Rousse")
    host = auth.member(quartier, role="host")
    member = auth.member(quartier)
    canteen = Canteen(
        neighbourhood_id=quartier.id,
        name="Cantine",
        address="1 place Colbert, Lyon",
        timezone="Europe/Paris",
        default_capacity=10,
    )
    db.session.add(canteen)
    db.session.flush()
    db.session.add(CanteenHost(canteen_id=canteen.id, user_id=moderator.id))
    db.session.add(CanteenHost(canteen_id=canteen.id, user_id=host.id))
    starts = utcnow() + timedelta(days=2)
    for status in (MealStatus.PUBLISHED, MealStatus.DRAFT):
        meal = Meal(
            canteen_id=canteen.id,
            neighbourhood_id=quartier.id,
            title="Soupe",
            menu="Soupe, pain",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            signup_closes_at=starts - timedelta(hours=1),
            allergens=["gluten"],
            diets=["vegetarian"],
            cost_price_cents=500,
            status=status,
            availability_version=0,
        )
        meal.pools = [
            SeatPool(key="table", label="Table", capacity=8, taken=0, position=0),
            SeatPool(key="kitchen", label="Kitchen", capacity=2, taken=0, position=1),
        ]
        db.session.add(meal)
    post = Post(
        neighbourhood_id=quartier.id,
        author_id=member.id,
        category=Category.GENERAL,
        title="Perceuse",
        body="Quelqu'un a une perceuse ?",
    )
    db.session.add(post)
    db.session.flush()
    db.session.add(Comment(post_id=post.id, author_id=moderator.id, body="Oui, moi."))
    db.session.commit()
    return moderator


def _document() -> dict[str, Any]:
    """The OpenAPI document, as served; it does not depend on the database."""
    return create_app(base_config()).test_client().get("/api/openapi.json").get_json()


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
schema = schemathesis.openapi.from_dict(_document(), config=CONFIG)


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
