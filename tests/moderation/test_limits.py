"""Limits: the new member's first day, daily caps, 429 with Retry-After, and the switch."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.feed.models import Post
from neighbours.neighbourhoods.models import Membership
from tests.support.api import PREFIX as API
from tests.support.api import v1
from tests.support.errors import assert_error

DAY = 24 * 3600


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


def _post(client: FlaskClient, actor: Any, neighbourhood_id: int, n: int = 0) -> Any:
    return client.post(
        v1(f"/neighbourhoods/{neighbourhood_id}/posts"),
        json={"category": "general", "title": f"Post {n}", "body": "Hello"},
        headers=actor.headers,
    )


def _settings(client: FlaskClient, quartier: Any, **values: Any) -> None:
    r = client.patch(
        v1(f"/neighbourhoods/{quartier.id}/moderation/settings"),
        json=values,
        headers=quartier.moderator.headers,
    )
    assert r.status_code == 200, r.get_json()


def _joined(actor: Any, neighbourhood_id: int, ago: timedelta, decided: bool = False) -> None:
    """Move a membership's start into the past."""
    membership = (
        db.session.query(Membership)
        .filter_by(user_id=actor.id, neighbourhood_id=neighbourhood_id)
        .one()
    )
    membership.created_at = utcnow() - ago
    if decided:
        membership.decided_at = utcnow() - ago
    db.session.commit()


def _retry_after(response: Any) -> int:
    value = int(response.headers["Retry-After"])
    assert 0 < value <= DAY, value
    return value


def _posts_by(actor: Any) -> int:
    return db.session.query(Post).filter_by(author_id=actor.id).count()


def test_a_new_member_may_post_three_times_in_their_first_day(limited, quartier):
    for n in range(3):
        assert _post(limited, quartier.alice, quartier.id, n).status_code == 201

    r = _post(limited, quartier.alice, quartier.id, 3)

    body = assert_error(r, 429)
    assert "first day" in body["message"]
    # She joined just now: she waits about a day.
    assert _retry_after(r) > DAY - 120
    assert _posts_by(quartier.alice) == 3
    # Another new member has their own three.
    assert _post(limited, quartier.bob, quartier.id).status_code == 201


def test_the_first_day_counts_from_approval(limited, quartier):
    # Asked to join long ago, approved an hour ago: still new.
    _joined(quartier.alice, quartier.id, timedelta(days=10))
    membership = db.session.query(Membership).filter_by(user_id=quartier.alice.id).one()
    membership.decided_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    for n in range(3):
        assert _post(limited, quartier.alice, quartier.id, n).status_code == 201

    r = _post(limited, quartier.alice, quartier.id)

    assert_error(r, 429)
    assert DAY - 3600 - 120 < _retry_after(r) <= DAY - 3600


def test_an_established_member_has_the_daily_cap_only(limited, quartier):
    _joined(quartier.alice, quartier.id, timedelta(days=30))
    _settings(limited, quartier, daily_posts=5)
    for n in range(5):
        assert _post(limited, quartier.alice, quartier.id, n).status_code == 201

    r = _post(limited, quartier.alice, quartier.id)

    body = assert_error(r, 429)
    assert "5 times a day" in body["message"]
    assert _retry_after(r) > DAY - 120
    assert _posts_by(quartier.alice) == 5


def test_posts_older_than_a_day_do_not_count(limited, quartier):
    _joined(quartier.alice, quartier.id, timedelta(days=30))
    _settings(limited, quartier, daily_posts=2)
    for n in range(2):
        assert _post(limited, quartier.alice, quartier.id, n).status_code == 201
    oldest = db.session.query(Post).order_by(Post.id).first()
    oldest.created_at = utcnow() - timedelta(hours=23)
    db.session.commit()

    r = _post(limited, quartier.alice, quartier.id)
    assert_error(r, 429)
    # The oldest post in the window leaves it in about an hour.
    assert 3600 - 120 < _retry_after(r) <= 3600

    oldest.created_at = utcnow() - timedelta(hours=25)
    db.session.commit()
    assert _post(limited, quartier.alice, quartier.id).status_code == 201


def test_the_new_member_cap_is_configurable(limited, quartier):
    _settings(limited, quartier, new_member_posts=1)

    assert _post(limited, quartier.alice, quartier.id).status_code == 201
    assert_error(_post(limited, quartier.alice, quartier.id), 429)


def test_the_daily_comment_cap(limited, quartier):
    _settings(limited, quartier, daily_comments=2)
    _joined(quartier.bob, quartier.id, timedelta(days=30))
    post = _post(limited, quartier.bob, quartier.id).get_json()
    url = f"{API}/posts/{post['id']}/comments"
    for _ in range(2):
        r = limited.post(url, json={"body": "Hi"}, headers=quartier.alice.headers)
        assert r.status_code == 201

    r = limited.post(url, json={"body": "Hi"}, headers=quartier.alice.headers)

    assert_error(r, 429)
    _retry_after(r)
    assert limited.post(url, json={"body": "Hi"}, headers=quartier.carol.headers).status_code == 201


def test_the_daily_report_cap(limited, quartier, auth):
    _settings(limited, quartier, daily_reports=2)
    people = [auth.member(quartier.neighbourhood) for _ in range(3)]
    for person in people[:2]:
        r = limited.post(
            f"{API}/reports",
            json={"target_type": "user", "target_id": person.id, "reason": "spam"},
            headers=quartier.bob.headers,
        )
        assert r.status_code == 201, r.get_json()

    r = limited.post(
        f"{API}/reports",
        json={"target_type": "user", "target_id": people[2].id, "reason": "spam"},
        headers=quartier.bob.headers,
    )

    assert_error(r, 429)
    _retry_after(r)


def test_the_daily_conversation_cap(limited, quartier):
    _settings(limited, quartier, daily_conversations=1)
    url = f"{API}/conversations"
    h = quartier.alice.headers
    assert (
        limited.post(url, json={"participant_ids": [quartier.bob.id]}, headers=h).status_code == 201
    )

    r = limited.post(url, json={"participant_ids": [quartier.carol.id]}, headers=h)

    assert_error(r, 429)
    _retry_after(r)
    # Going back to an existing conversation is not a new one.
    again = limited.post(url, json={"participant_ids": [quartier.bob.id]}, headers=h)
    assert again.status_code == 200


def test_limits_are_off_when_switched_off(client, quartier):
    for n in range(12):
        assert _post(client, quartier.alice, quartier.id, n).status_code == 201


def test_the_switch_is_read_from_ratelimit_enabled():
    from config.settings import from_env

    assert from_env({"RATELIMIT_ENABLED": "false"})["LIMITS_ENABLED"] is False
    assert from_env({})["LIMITS_ENABLED"] is True


def test_the_neighbourhood_founder_is_not_held_to_the_new_member_cap(limited, quartier):
    for n in range(5):
        assert _post(limited, quartier.moderator, quartier.id, n).status_code == 201
