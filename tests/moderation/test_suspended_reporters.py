"""Only reporters who may report now count towards hiding at the threshold."""

from __future__ import annotations

from datetime import timedelta

from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.moderation.models import Suspension
from tests.feed.api import create_post
from tests.moderation.api import queue, reported
from tests.support.api import v1


def _suspend(quartier, actor):
    now = utcnow()
    db.session.add(
        Suspension(
            neighbourhood_id=quartier.id,
            user_id=actor.id,
            ends_at=now + timedelta(days=3),
            reason="test",
            created_by_id=quartier.moderator.id,
            created_at=now,
        )
    )
    db.session.commit()


def _status(client, quartier, post_id):
    r = client.get(v1(f"/posts/{post_id}"), headers=quartier.moderator.headers)
    return r.get_json()["status"]


def test_a_suspended_members_report_does_not_count_towards_hiding(client, quartier, auth):
    post = create_post(client, quartier.alice, quartier.id)
    _suspend(quartier, quartier.bob)

    for reporter in quartier.reporters:  # Bob (suspended), Carol, Dave
        reported(client, reporter, "post", post["id"])

    assert _status(client, quartier, post["id"]) == "published"
    [item] = queue(client, quartier.moderator, quartier.id)["items"]
    assert len(item["reports"]) == 3  # filed, and shown to the moderators
    # A third reporter who may report tips it over.
    reported(client, auth.member(quartier.neighbourhood, name="Eve"), "post", post["id"])
    assert _status(client, quartier, post["id"]) == "hidden"


def test_a_suspension_after_reporting_stops_the_report_counting(client, quartier):
    post = create_post(client, quartier.alice, quartier.id)
    reported(client, quartier.bob, "post", post["id"])
    _suspend(quartier, quartier.bob)

    reported(client, quartier.carol, "post", post["id"])
    reported(client, quartier.dave, "post", post["id"])

    assert _status(client, quartier, post["id"]) == "published"
