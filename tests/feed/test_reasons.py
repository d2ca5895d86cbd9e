"""The feed's refusals carry a stable reason, and their message is in French when asked."""

from __future__ import annotations

from datetime import timedelta

from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.feed.models import ContentStatus, Post
from neighbours.neighbourhoods.models import Suspension
from tests.feed.api import create_comment, create_post
from tests.support.refusals import french, in_french, refused


def _status(post, status):
    db.session.get(Post, post["id"]).status = status
    db.session.commit()


def test_editing_someone_elses_post_is_not_the_author(api, quartier):
    post = create_post(api.client, quartier.alice, quartier.id)
    r = api.patch(
        f"/posts/{post['id']}", json={"title": "Mine"}, headers=french(quartier.bob.headers)
    )
    body = refused(r, 403, "not_the_author")
    assert body["message"] == "Seul l'auteur peut modifier ceci."


def test_deleting_someone_elses_post_is_not_author_or_moderator(api, quartier):
    post = create_post(api.client, quartier.alice, quartier.id)
    refused(api.delete(f"/posts/{post['id']}", as_=quartier.bob), 403, "not_author_or_moderator")


def test_a_member_announcing_or_pinning_is_moderators_only(api, quartier):
    r = api.post(
        f"/neighbourhoods/{quartier.id}/posts",
        json={"category": "announcement", "title": "Hear ye", "body": "Hear ye"},
        headers=french(quartier.alice.headers),
    )
    assert refused(r, 403, "moderators_only")["message"] == in_french(
        "Only moderators post announcements."
    )
    post = create_post(api.client, quartier.alice, quartier.id)
    refused(api.post(f"/posts/{post['id']}/pin", as_=quartier.alice), 403, "moderators_only")


def test_pinning_a_hidden_post_is_post_not_published(api, quartier):
    post = create_post(api.client, quartier.alice, quartier.id)
    _status(post, ContentStatus.HIDDEN)
    r = api.post(f"/posts/{post['id']}/pin", as_=quartier.moderator)
    refused(r, 409, "post_not_published")


def test_editing_a_removed_post_is_post_removed(api, quartier):
    post = create_post(api.client, quartier.alice, quartier.id)
    _status(post, ContentStatus.REMOVED)
    r = api.patch(
        f"/posts/{post['id']}", json={"title": "Again"}, headers=french(quartier.alice.headers)
    )
    body = refused(r, 409, "post_removed")
    assert body["message"] == (
        "Un modérateur a supprimé cette publication ; elle ne peut plus être modifiée."
    )


def test_commenting_a_hidden_post_is_comments_closed(api, quartier):
    post = create_post(api.client, quartier.alice, quartier.id)
    _status(post, ContentStatus.HIDDEN)
    r = api.post(
        f"/posts/{post['id']}/comments", json={"body": "Hm"}, headers=french(quartier.alice.headers)
    )
    body = refused(r, 409, "comments_closed")
    assert body["message"] == "Cette publication n'est pas ouverte aux commentaires."


def test_replying_to_a_comment_of_another_post_is_reply_to_unknown(api, quartier):
    one = create_post(api.client, quartier.alice, quartier.id)
    other = create_post(api.client, quartier.alice, quartier.id, title="Other")
    comment = create_comment(api.client, quartier.bob, other["id"])
    r = api.post(
        f"/posts/{one['id']}/comments",
        json={"body": "Re", "reply_to": comment["id"]},
        headers=french(quartier.bob.headers),
    )
    body = refused(r, 422, "invalid_input", field="reply_to", field_reason="reply_to_unknown")
    assert body["errors"]["json"]["reply_to"] == [
        "Ce n'est pas un commentaire de cette publication."
    ]


def test_an_unknown_reaction_is_not_one_of(api, quartier):
    post = create_post(api.client, quartier.alice, quartier.id)
    r = api.put(f"/posts/{post['id']}/reactions/meh", as_=quartier.bob)
    refused(r, 422, "invalid_input", field="kind", field_reason="not_one_of", location="path")


def test_a_suspended_member_posting_is_suspended(api, quartier):
    db.session.add(
        Suspension(
            neighbourhood_id=quartier.id,
            user_id=quartier.alice.id,
            ends_at=utcnow() + timedelta(days=1),
            reason="t",
        )
    )
    db.session.commit()
    r = api.post(
        f"/neighbourhoods/{quartier.id}/posts",
        json={"category": "general", "title": "Hi", "body": "Hi"},
        headers=french(quartier.alice.headers),
    )
    body = refused(r, 403, "suspended")
    assert body["message"] == (
        "Vous ne pouvez pas publier, commenter ni réagir dans ce quartier pour le moment."
    )
    r = api.post(
        f"/neighbourhoods/{quartier.id}/posts",
        json={"category": "general", "title": "Hi", "body": "Hi"},
        as_=quartier.alice,
    )
    assert refused(r, 403, "suspended")["message"] == (
        "You can't post, comment or react in this neighbourhood right now."
    )
