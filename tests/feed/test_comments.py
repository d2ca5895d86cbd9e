"""Comments: oldest first with reply_to, counts, edits, deletes, and the author's notification."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from neighbours.moderation.models import ModerationLogEntry
from neighbours.notifications.models import Notification
from tests.feed.api import create_comment, create_post
from tests.support.api import v1
from tests.support.errors import assert_error


def comments(client, actor, post_id, **query):
    r = client.get(v1(f"/posts/{post_id}/comments"), query_string=query, headers=actor.headers)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def comment_count(client, actor, post_id):
    return client.get(v1(f"/posts/{post_id}"), headers=actor.headers).get_json()["comment_count"]


def test_comments_come_oldest_first_with_reply_to_and_count(client, quartier):
    post = create_post(client, quartier.alice, quartier.id)["id"]
    first = create_comment(client, quartier.bob, post, "I have one")
    assert first == {
        "id": first["id"],
        "post_id": post,
        "author": {"id": quartier.bob.id, "display_name": "Bob", "avatar_url": None},
        "body": "I have one",
        "reply_to": None,
        "status": "published",
        "created_at": first["created_at"],
        "edited_at": None,
    }
    second = create_comment(client, quartier.alice, post, "Great, when?", reply_to=first["id"])
    third = create_comment(client, quartier.bob, post, "Tonight", reply_to=second["id"])
    assert second["reply_to"] == first["id"]

    listed = comments(client, quartier.moderator, post)
    assert [(c["id"], c["body"], c["reply_to"]) for c in listed["items"]] == [
        (first["id"], "I have one", None),
        (second["id"], "Great, when?", first["id"]),
        (third["id"], "Tonight", second["id"]),
    ]
    assert listed["next_cursor"] is None
    page1 = comments(client, quartier.moderator, post, limit=2)
    page2 = comments(client, quartier.moderator, post, limit=2, after=page1["next_cursor"])
    assert [c["id"] for c in page1["items"] + page2["items"]] == [
        first["id"],
        second["id"],
        third["id"],
    ]
    assert page2["next_cursor"] is None
    assert comment_count(client, quartier.bob, post) == 3


def test_a_comment_notifies_the_posts_author_but_not_for_their_own(client, api, db, quartier):
    post = create_post(client, quartier.alice, quartier.id, title="Ladder?")["id"]
    create_comment(client, quartier.alice, post, "bump")
    assert db.session.scalars(select(Notification)).all() == []

    comment = create_comment(client, quartier.bob, post, "Mine is free")
    [note] = db.session.scalars(select(Notification)).all()
    assert (note.user_id, note.type) == (quartier.alice.id, "comment_on_post")
    assert note.payload == {
        "post_id": post,
        "post_title": "Ladder?",
        "comment_id": comment["id"],
        "actor": {"id": quartier.bob.id},  # only the id: reads show Bob as he is then
    }
    [shown] = api.get("/notifications", as_=quartier.alice).get_json()["items"]
    assert shown["payload"]["actor"] == {
        "id": quartier.bob.id,
        "display_name": "Bob",
        "avatar_url": None,
    }
    listed = api.get("/notifications", headers=quartier.alice.headers).get_json()
    assert [n["type"] for n in listed["items"]] == ["comment_on_post"]
    assert api.get("/notifications", headers=quartier.bob.headers).get_json()["items"] == []


def test_reply_to_must_be_a_comment_of_the_same_post(client, api, quartier):
    post = create_post(client, quartier.alice, quartier.id)["id"]
    other = create_post(client, quartier.alice, quartier.id)["id"]
    elsewhere = create_comment(client, quartier.bob, other)
    for reply_to in (elsewhere["id"], 999999, "abc"):
        r = api.post(
            f"/posts/{post}/comments",
            json={"body": "hi", "reply_to": reply_to},
            headers=quartier.bob.headers,
        )
        assert_error(r, 422, "reply_to")
    assert comments(client, quartier.bob, post)["items"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "body"), ({"body": "  "}, "body"), ({"body": "x" * 2001}, "body")],
)
def test_bad_comment_input_is_422_naming_the_field(client, api, quartier, body, field):
    post = create_post(client, quartier.alice, quartier.id)["id"]
    r = api.post(f"/posts/{post}/comments", json=body, headers=quartier.bob.headers)
    assert_error(r, 422, field)


def test_comments_need_a_token(client, api, quartier):
    post = create_post(client, quartier.alice, quartier.id)["id"]
    comment = create_comment(client, quartier.bob, post)["id"]
    assert_error(api.get(f"/posts/{post}/comments"), 401)
    assert_error(api.post(f"/posts/{post}/comments", json={"body": "x"}), 401)
    assert_error(api.patch(f"/comments/{comment}", json={"body": "x"}), 401)
    assert_error(api.delete(f"/comments/{comment}"), 401)


def test_comments_are_404_outside_the_neighbourhood(client, api, auth, quartier):
    post = create_post(client, quartier.alice, quartier.id)["id"]
    comment = create_comment(client, quartier.bob, post)["id"]
    pending = auth.member(quartier.neighbourhood, status="pending")
    for someone in (quartier.outsider, pending):
        h = someone.headers
        assert_error(api.get(f"/posts/{post}/comments", headers=h), 404)
        assert_error(api.post(f"/posts/{post}/comments", json={"body": "x"}, headers=h), 404)
        assert_error(api.patch(f"/comments/{comment}", json={"body": "x"}, headers=h), 404)
        assert_error(api.delete(f"/comments/{comment}", headers=h), 404)
    assert [c["body"] for c in comments(client, quartier.bob, post)["items"]] == ["A comment"]


@pytest.mark.parametrize("limit", ["0", "101"])
def test_comment_limit_out_of_range_is_422(client, api, quartier, limit):
    post = create_post(client, quartier.alice, quartier.id)["id"]
    r = api.get(f"/posts/{post}/comments?limit={limit}", headers=quartier.bob.headers)
    assert_error(r, 422, "limit", location="query")


def test_a_bad_comment_cursor_is_422(client, api, quartier):
    post = create_post(client, quartier.alice, quartier.id)["id"]
    r = api.get(f"/posts/{post}/comments?after=zzz", headers=quartier.bob.headers)
    assert_error(r, 422, "after", location="query")


def test_the_author_edits_a_comment(client, api, quartier):
    post = create_post(client, quartier.alice, quartier.id)["id"]
    comment = create_comment(client, quartier.bob, post, "tomorow")
    r = api.patch(
        f"/comments/{comment['id']}", json={"body": "tomorrow"}, headers=quartier.bob.headers
    )
    assert r.status_code == 200, r.get_json()
    edited = r.get_json()
    assert edited["body"] == "tomorrow"
    assert edited["edited_at"] is not None
    at = datetime.fromisoformat(edited["edited_at"].replace("Z", "+00:00"))
    assert abs((datetime.now(UTC) - at).total_seconds()) < 60
    assert [c["body"] for c in comments(client, quartier.alice, post)["items"]] == ["tomorrow"]


def test_only_the_author_edits_a_comment(client, api, quartier):
    post = create_post(client, quartier.alice, quartier.id)["id"]
    comment = create_comment(client, quartier.bob, post, "mine")["id"]
    for someone in (quartier.alice, quartier.moderator):
        r = api.patch(f"/comments/{comment}", json={"body": "theirs"}, headers=someone.headers)
        assert_error(r, 403)
    r = api.patch(f"/comments/{comment}", json={"body": ""}, headers=quartier.bob.headers)
    assert_error(r, 422, "body")
    assert [c["body"] for c in comments(client, quartier.bob, post)["items"]] == ["mine"]


def test_the_author_deletes_a_comment(client, api, db, quartier):
    post = create_post(client, quartier.alice, quartier.id)["id"]
    keep = create_comment(client, quartier.alice, post)["id"]
    gone = create_comment(client, quartier.bob, post)["id"]
    assert api.delete(f"/comments/{gone}", headers=quartier.bob.headers).status_code == 204
    for someone in (quartier.bob, quartier.moderator):
        assert [c["id"] for c in comments(client, someone, post)["items"]] == [keep]
    assert comment_count(client, quartier.bob, post) == 1
    assert db.session.scalars(select(ModerationLogEntry)).all() == []


def test_a_member_cannot_delete_someone_elses_comment(client, api, quartier):
    post = create_post(client, quartier.alice, quartier.id)["id"]
    comment = create_comment(client, quartier.bob, post)["id"]
    # Not even the post's author.
    assert_error(api.delete(f"/comments/{comment}", headers=quartier.alice.headers), 403)
    assert comment_count(client, quartier.bob, post) == 1


def test_a_moderator_removes_a_comment_and_the_log_says_so(client, api, db, quartier):
    post = create_post(client, quartier.alice, quartier.id)["id"]
    comment = create_comment(client, quartier.bob, post)["id"]
    r = api.delete(f"/comments/{comment}", headers=quartier.moderator.headers)
    assert r.status_code == 204
    [entry] = db.session.scalars(select(ModerationLogEntry)).all()
    assert (entry.actor_id, entry.action, entry.target_type, entry.target_id) == (
        quartier.moderator.id,
        "remove_comment",
        "comment",
        comment,
    )
    assert comments(client, quartier.bob, post)["items"] == []
    flagged = comments(client, quartier.moderator, post)["items"]
    assert [(c["id"], c["status"]) for c in flagged] == [(comment, "removed")]
    assert comment_count(client, quartier.alice, post) == 0
