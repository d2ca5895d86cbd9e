"""A daily cap on messages: 429 with Retry-After, counted over 24 hours, off with the limits."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.messages.models import Message
from tests.messages.test_conversations import send, start
from tests.support.errors import assert_error


def _limited(make_app, **config):
    app = make_app(LIMITS_ENABLED=True, **config)

    @app.teardown_request
    def _end_transaction(_exc):
        db.session.rollback()

    return app.test_client()


def test_messages_are_capped_per_day_across_conversations(make_app, auth):
    client = _limited(make_app, LIMIT_DAILY_MESSAGES=3)
    nh = auth.neighbourhood()
    ana, ben, cleo = auth.member(nh), auth.member(nh), auth.member(nh)
    with_ben = start(client, ana, ben).get_json()["id"]
    with_cleo = start(client, ana, cleo).get_json()["id"]
    assert send(client, ana, with_ben, "one").status_code == 201
    assert send(client, ana, with_cleo, "two").status_code == 201
    assert send(client, ana, with_ben, "three").status_code == 201

    r = send(client, ana, with_cleo, "four")

    body = assert_error(r, 429)
    assert 0 < int(r.headers["Retry-After"]) <= 24 * 3600
    assert "3" in body["message"]
    # The others still write, in the same conversations.
    assert send(client, ben, with_ben, "hello").status_code == 201
    assert send(client, cleo, with_cleo, "hello").status_code == 201
    # A day later, the oldest have left the window.
    db.session.execute(
        update(Message)
        .where(Message.author_id == ana.id)
        .values(created_at=utcnow() - timedelta(hours=25))
    )
    db.session.commit()
    assert send(client, ana, with_cleo, "four").status_code == 201


def test_the_message_cap_is_off_with_the_other_limits(make_app, auth):
    client = make_app(LIMITS_ENABLED=False, LIMIT_DAILY_MESSAGES=1).test_client()
    nh = auth.neighbourhood()
    ana, ben = auth.member(nh), auth.member(nh)
    cid = start(client, ana, ben).get_json()["id"]
    for i in range(3):
        assert send(client, ana, cid, f"message {i}").status_code == 201


def test_the_message_cap_has_a_documented_default(make_app):
    assert make_app().config["LIMIT_DAILY_MESSAGES"] == 300
