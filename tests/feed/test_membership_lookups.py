"""One membership lookup per request: the policies share a memo that a change forgets."""

from __future__ import annotations

import re

from sqlalchemy import select, update

from neighbours.accounts.models import User
from neighbours.database import utcnow
from neighbours.moderation.models import Suspension
from neighbours.neighbourhoods import policies
from neighbours.neighbourhoods.models import Membership, MembershipStatus, Role
from tests.feed.api import create_post
from tests.support.api import v1


def _membership_reads(statements: list[str]) -> int:
    # Read alone or joined to the request's token query (`neighbourhoods.prefetch`).
    return sum(1 for s in statements if re.search(r"(FROM|JOIN) memberships\b", s))


def test_creating_a_post_reads_the_membership_once(client, quartier, count_queries, db):
    db.session.expunge_all()
    with count_queries() as statements:
        r = client.post(
            v1(f"/neighbourhoods/{quartier.id}/posts"),
            json={"category": "general", "title": "Ladder", "body": "To lend"},
            headers=quartier.alice.headers,
        )
    assert r.status_code == 201, r.get_json()
    assert _membership_reads(statements) == 1, statements


def test_a_moderators_announcement_reads_the_membership_once(client, quartier, count_queries, db):
    db.session.expunge_all()
    with count_queries() as statements:
        r = client.post(
            v1(f"/neighbourhoods/{quartier.id}/posts"),
            json={"category": "announcement", "title": "Fête", "body": "Saturday"},
            headers=quartier.moderator.headers,
        )
    assert r.status_code == 201, r.get_json()
    assert _membership_reads(statements) == 1, statements


def test_reading_a_feed_page_reads_the_membership_once(client, quartier, count_queries, db):
    for i in range(3):
        create_post(client, quartier.alice, quartier.id, title=f"Post {i}")
    for reader in (quartier.bob, quartier.moderator):
        db.session.expunge_all()
        with count_queries() as statements:
            r = client.get(v1(f"/neighbourhoods/{quartier.id}/posts"), headers=reader.headers)
        assert r.status_code == 200
        assert len(r.get_json()["items"]) == 3
        assert _membership_reads(statements) == 1, statements


def _user(db, user_id):
    return db.session.get(User, user_id)


def test_a_membership_that_ends_in_the_request_keeps_no_rights(app, quartier, db):
    with app.test_request_context():
        alice = _user(db, quartier.alice.id)
        assert policies.can_write(alice, quartier.id)
        # A bulk UPDATE, as a flush of the row, forgets what was read.
        db.session.execute(
            update(Membership)
            .where(Membership.user_id == alice.id, Membership.neighbourhood_id == quartier.id)
            .values(status=MembershipStatus.LEFT)
        )
        assert policies.active_membership(alice, quartier.id) is None
        assert not policies.can_write(alice, quartier.id)
        db.session.rollback()


def test_a_change_made_on_the_row_is_seen_before_it_is_flushed(app, quartier, db):
    with app.test_request_context():
        bob = _user(db, quartier.bob.id)
        membership = policies.active_membership(bob, quartier.id)
        assert membership is not None
        membership.status = MembershipStatus.LEFT  # not flushed yet
        assert policies.active_membership(bob, quartier.id) is None
        db.session.rollback()


def test_a_demoted_moderator_stops_moderating_in_the_same_request(app, quartier, db):
    with app.test_request_context():
        moderator = _user(db, quartier.moderator.id)
        assert policies.is_moderator(moderator, quartier.id)
        membership = db.session.execute(
            select(Membership).where(
                Membership.user_id == moderator.id, Membership.neighbourhood_id == quartier.id
            )
        ).scalar_one()
        membership.role = Role.MEMBER
        db.session.flush()
        assert not policies.is_moderator(moderator, quartier.id)
        db.session.rollback()


def test_a_suspension_in_the_request_stops_writing(app, quartier, db):
    with app.test_request_context():
        alice = _user(db, quartier.alice.id)
        assert policies.can_write(alice, quartier.id)
        db.session.add(
            Suspension(
                neighbourhood_id=quartier.id,
                user_id=alice.id,
                ends_at=utcnow().replace(year=utcnow().year + 1),
                created_at=utcnow(),
            )
        )
        db.session.flush()
        assert not policies.can_write(alice, quartier.id)
        db.session.rollback()


def test_a_joined_membership_is_seen_in_the_same_request(app, quartier, db, auth):
    stranger = auth.user()
    with app.test_request_context():
        person = _user(db, stranger.id)
        assert policies.active_membership(person, quartier.id) is None  # remembered: none
        db.session.add(
            Membership(
                neighbourhood_id=quartier.id,
                user_id=person.id,
                role=Role.MEMBER,
                status=MembershipStatus.ACTIVE,
            )
        )
        db.session.flush()
        assert policies.active_membership(person, quartier.id) is not None
        db.session.rollback()


def test_each_request_reads_again(app, quartier, db):
    with app.test_request_context():
        alice = _user(db, quartier.alice.id)
        assert policies.active_membership(alice, quartier.id) is not None
    db.session.execute(
        update(Membership)
        .where(Membership.user_id == quartier.alice.id)
        .values(status=MembershipStatus.LEFT)
    )
    db.session.commit()
    with app.test_request_context():
        alice = _user(db, quartier.alice.id)
        assert policies.active_membership(alice, quartier.id) is None
