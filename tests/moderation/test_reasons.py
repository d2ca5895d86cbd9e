"""Moderation's refusals (and the daily caps) carry a stable reason, in French when asked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.neighbourhoods.models import Membership
from tests.feed.api import create_post
from tests.moderation.api import decide, report, reported
from tests.support.api import v1
from tests.support.refusals import FRENCH, french, in_french, refused


@pytest.fixture
def limited(make_app: Any) -> Iterator[FlaskClient]:
    """A client of an app with limits on (the default test app has them off)."""
    app = make_app(LIMITS_ENABLED=True)

    @app.teardown_request
    def _end_transaction(_exc: BaseException | None) -> None:
        db.session.rollback()

    with app.app_context():
        yield app.test_client()
        db.session.remove()


def _post(client: FlaskClient, actor: Any, neighbourhood_id: int, **kw: Any) -> Any:
    return client.post(
        v1(f"/neighbourhoods/{neighbourhood_id}/posts"),
        json={"category": "general", "title": "Post", "body": "Hello"},
        headers={**actor.headers, **kw.pop("headers", {})},
    )


def test_reporting_oneself_is_own_content(api, quartier):
    post = create_post(api.client, quartier.alice, quartier.id)
    r = api.post(
        "/reports",
        json={"target_type": "post", "target_id": post["id"], "reason": "spam"},
        headers=french(quartier.alice.headers),
    )
    body = refused(r, 422, "invalid_input", field="target_id", field_reason="own_content")
    assert body["errors"]["json"]["target_id"] == [
        "Vous ne pouvez signaler ni votre propre contenu ni vous-même."
    ]


def test_reporting_twice_is_already_reported(api, quartier):
    post = create_post(api.client, quartier.alice, quartier.id)
    reported(api.client, quartier.bob, "post", post["id"])
    body = refused(report(api.client, quartier.bob, "post", post["id"]), 409, "already_reported")
    assert body["message"] == "You have already reported this; moderators will look at it."
    r = api.post(
        "/reports",
        json={"target_type": "post", "target_id": post["id"], "reason": "spam"},
        headers=french(quartier.bob.headers),
    )
    assert refused(r, 409, "already_reported")["message"] == in_french(
        "You have already reported this; moderators will look at it."
    )


def test_hiding_a_person_is_not_content_and_suspending_needs_days(api, quartier):
    item = reported(api.client, quartier.bob, "user", quartier.alice.id)["item_id"]
    r = decide(api.client, quartier.moderator, item, "hide")
    body = refused(r, 422, "invalid_input", field="action", field_reason="not_content")
    assert body["errors"]["json"]["action"] == ["A person can't be hidden or removed."]
    r = api.post(
        f"/moderation/items/{item}/decide",
        json={"action": "remove", "reason": "No"},
        headers=french(quartier.moderator.headers),
    )
    body = refused(r, 422, "invalid_input", field="action", field_reason="not_content")
    assert body["errors"]["json"]["action"] == [
        "Une personne ne peut être ni masquée ni supprimée."
    ]
    r = decide(api.client, quartier.moderator, item, "suspend")
    refused(r, 422, "invalid_input", field="suspend_days", field_reason="required")


def test_the_daily_post_cap_is_rate_limited_in_french_too(limited, quartier):
    membership = db.session.query(Membership).filter_by(
        user_id=quartier.alice.id, neighbourhood_id=quartier.id
    )
    membership.one().created_at = utcnow() - timedelta(days=30)
    db.session.commit()
    r = limited.patch(
        v1(f"/neighbourhoods/{quartier.id}/moderation/settings"),
        json={"daily_posts": 2},
        headers=quartier.moderator.headers,
    )
    assert r.status_code == 200, r.get_json()
    for _ in range(2):
        assert _post(limited, quartier.alice, quartier.id).status_code == 201

    body = refused(_post(limited, quartier.alice, quartier.id), 429, "rate_limited")
    assert body["message"] == "You can post 2 times a day here; try again later."
    r = _post(limited, quartier.alice, quartier.id, headers=FRENCH)
    assert refused(r, 429, "rate_limited")["message"] == (
        "Vous pouvez publier 2 fois par jour ici ; réessayez plus tard."
    )
    assert "Retry-After" in r.headers


def test_a_new_members_first_day_cap_is_rate_limited(limited, quartier):
    for _ in range(3):
        assert _post(limited, quartier.bob, quartier.id).status_code == 201
    r = _post(limited, quartier.bob, quartier.id, headers=FRENCH)
    body = refused(r, 429, "rate_limited")
    assert body["message"] == in_french(
        "New members can post %(limit)s times in their first day; try again later.", limit=3
    )
