"""Posts: create, read, edit, delete, pin — the contract of each endpoint and its rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from neighbours.moderation.models import ModerationLogEntry
from tests.feed.api import create_post
from tests.support.api import PREFIX as API
from tests.support.errors import assert_error


def _parse(stamp: str) -> datetime:
    assert stamp.endswith("Z"), stamp
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


# --- create ---------------------------------------------------------------------------------


def test_a_member_posts_and_gets_the_post_back(api, quartier):
    before = datetime.now(UTC)
    r = api.post(
        f"/neighbourhoods/{quartier.id}/posts",
        json={"category": "lend_borrow", "title": " Ladder to lend ", "body": "3 m, in the cellar"},
        headers=quartier.alice.headers,
    )
    assert r.status_code == 201, r.get_json()
    post = r.get_json()
    created_at = post.pop("created_at")
    assert post == {
        "id": post["id"],
        "neighbourhood_id": quartier.id,
        "author": {"id": quartier.alice.id, "display_name": "Alice", "avatar_url": None},
        "category": "lend_borrow",
        "title": "Ladder to lend",
        "body": "3 m, in the cellar",
        "status": "published",
        "pinned": False,
        "edited_at": None,
        "comment_count": 0,
        "reactions": {},
        "my_reactions": [],
    }
    assert before.replace(microsecond=0) <= _parse(created_at) <= datetime.now(UTC)
    got = api.get(f"/posts/{post['id']}", headers=quartier.bob.headers).get_json()
    assert got == post | {"created_at": created_at}


def test_a_member_of_another_neighbourhood_cannot_post(api, quartier):
    r = api.post(
        f"/neighbourhoods/{quartier.id}/posts",
        json={"category": "general", "title": "t", "body": "b"},
        headers=quartier.outsider.headers,
    )
    assert_error(r, 403)


def test_a_pending_member_cannot_post(api, auth, quartier):
    pending = auth.member(quartier.neighbourhood, status="pending")
    r = api.post(
        f"/neighbourhoods/{quartier.id}/posts",
        json={"category": "general", "title": "t", "body": "b"},
        headers=pending.headers,
    )
    assert_error(r, 403)


def test_posting_in_a_neighbourhood_that_does_not_exist_is_404(api, quartier):
    r = api.post(
        "/neighbourhoods/999999/posts",
        json={"category": "general", "title": "t", "body": "b"},
        headers=quartier.alice.headers,
    )
    assert_error(r, 404)


def test_announcements_are_for_moderators(client, api, quartier):
    r = api.post(
        f"/neighbourhoods/{quartier.id}/posts",
        json={"category": "announcement", "title": "Water cut", "body": "Tuesday 9-12"},
        headers=quartier.alice.headers,
    )
    assert_error(r, 403)
    post = create_post(
        client, quartier.moderator, quartier.id, category="announcement", title="Water cut"
    )
    assert post["category"] == "announcement"
    assert post["author"]["id"] == quartier.moderator.id


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "general", "body": "no title"}, "title"),
        ({"category": "general", "title": "   ", "body": "blank title"}, "title"),
        ({"category": "general", "title": "x" * 121, "body": "b"}, "title"),
        ({"category": "general", "title": "t"}, "body"),
        ({"category": "general", "title": "t", "body": "x" * 5001}, "body"),
        ({"category": "gossip", "title": "t", "body": "b"}, "category"),
        ({"title": "t", "body": "b"}, "category"),
    ],
)
def test_bad_post_input_is_422_naming_the_field(api, quartier, body, field):
    r = api.post(f"/neighbourhoods/{quartier.id}/posts", json=body, headers=quartier.alice.headers)
    assert_error(r, 422, field)


def test_a_body_of_5000_characters_is_accepted(client, quartier):
    post = create_post(client, quartier.alice, quartier.id, body="x" * 5000)
    assert len(post["body"]) == 5000


# --- read -------------------------------------------------------------------------------------


def test_a_post_is_404_outside_its_neighbourhood(client, api, auth, quartier):
    post = create_post(client, quartier.alice, quartier.id)
    assert_error(api.get(f"/posts/{post['id']}", headers=quartier.outsider.headers), 404)
    assert_error(api.get("/posts/999999", headers=quartier.alice.headers), 404)


# --- edit -------------------------------------------------------------------------------------


def test_the_author_edits_and_edited_at_is_recorded(client, api, quartier):
    post = create_post(client, quartier.alice, quartier.id, title="Lost cat", category="general")
    before = datetime.now(UTC)
    r = api.patch(
        f"/posts/{post['id']}",
        json={"title": "Lost cat: found!", "category": "lost_found"},
        headers=quartier.alice.headers,
    )
    assert r.status_code == 200, r.get_json()
    edited = r.get_json()
    assert edited["title"] == "Lost cat: found!"
    assert edited["category"] == "lost_found"
    assert edited["body"] == post["body"]
    assert edited["created_at"] == post["created_at"]
    assert before.replace(microsecond=0) <= _parse(edited["edited_at"]) <= datetime.now(UTC)
    got = api.get(f"/posts/{post['id']}", headers=quartier.bob.headers).get_json()
    assert got["edited_at"] == edited["edited_at"]
    assert got["title"] == "Lost cat: found!"


def test_only_the_author_edits(client, api, quartier):
    post = create_post(client, quartier.alice, quartier.id, title="Mine")
    for someone in (quartier.bob, quartier.moderator):
        r = api.patch(f"/posts/{post['id']}", json={"title": "x"}, headers=someone.headers)
        assert_error(r, 403)
    r = api.patch(f"/posts/{post['id']}", json={"title": "x"}, headers=quartier.outsider.headers)
    assert_error(r, 404)
    got = api.get(f"/posts/{post['id']}", headers=quartier.alice.headers).get_json()
    assert (got["title"], got["edited_at"]) == ("Mine", None)


def test_a_member_cannot_turn_a_post_into_an_announcement(client, api, quartier):
    post = create_post(client, quartier.alice, quartier.id)
    r = api.patch(
        f"/posts/{post['id']}",
        json={"category": "announcement"},
        headers=quartier.alice.headers,
    )
    assert_error(r, 403)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"body": "x" * 5001}, "body"),
        ({"title": ""}, "title"),
        ({"category": "gossip"}, "category"),
    ],
)
def test_bad_edit_input_is_422_naming_the_field(client, api, quartier, body, field):
    post = create_post(client, quartier.alice, quartier.id)
    r = api.patch(f"/posts/{post['id']}", json=body, headers=quartier.alice.headers)
    assert_error(r, 422, field)


# --- delete -----------------------------------------------------------------------------------


def test_the_author_deletes_and_the_post_is_gone_for_everyone(client, api, db, quartier):
    post = create_post(client, quartier.alice, quartier.id)
    r = api.delete(f"/posts/{post['id']}", headers=quartier.alice.headers)
    assert r.status_code == 204
    for someone in (quartier.alice, quartier.bob, quartier.moderator):
        assert_error(api.get(f"/posts/{post['id']}", headers=someone.headers), 404)
        feed = api.get(f"/neighbourhoods/{quartier.id}/posts", headers=someone.headers)
        assert feed.get_json()["items"] == []
    assert db.session.scalars(select(ModerationLogEntry)).all() == []
    # Deleting again is 404: there is nothing left to delete.
    assert_error(api.delete(f"/posts/{post['id']}", headers=quartier.alice.headers), 404)


def test_a_moderator_removes_a_post_and_the_log_says_so(client, api, db, quartier):
    post = create_post(client, quartier.alice, quartier.id)
    r = api.delete(f"/posts/{post['id']}", headers=quartier.moderator.headers)
    assert r.status_code == 204

    [entry] = db.session.scalars(select(ModerationLogEntry)).all()
    assert (entry.neighbourhood_id, entry.actor_id, entry.action) == (
        quartier.id,
        quartier.moderator.id,
        "remove_post",
    )
    assert (entry.target_type, entry.target_id) == ("post", post["id"])

    assert_error(api.get(f"/posts/{post['id']}", headers=quartier.bob.headers), 404)
    as_moderator = api.get(f"/posts/{post['id']}", headers=quartier.moderator.headers)
    assert as_moderator.get_json()["status"] == "removed"


def test_a_member_cannot_delete_someone_elses_post(client, api, quartier):
    post = create_post(client, quartier.alice, quartier.id)
    assert_error(api.delete(f"/posts/{post['id']}", headers=quartier.bob.headers), 403)
    assert_error(api.delete(f"/posts/{post['id']}", headers=quartier.outsider.headers), 404)
    got = api.get(f"/posts/{post['id']}", headers=quartier.bob.headers).get_json()
    assert got["status"] == "published"


# --- pin --------------------------------------------------------------------------------------


def test_a_moderator_pins_and_unpins(client, api, db, quartier):
    post = create_post(client, quartier.alice, quartier.id)
    r = api.post(f"/posts/{post['id']}/pin", headers=quartier.moderator.headers)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["pinned"] is True
    got = api.get(f"/posts/{post['id']}", headers=quartier.bob.headers).get_json()
    assert got["pinned"] is True

    r = api.delete(f"/posts/{post['id']}/pin", headers=quartier.moderator.headers)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["pinned"] is False
    actions = db.session.scalars(select(ModerationLogEntry.action).order_by(ModerationLogEntry.id))
    assert list(actions) == ["pin", "unpin"]


def test_members_cannot_pin(client, api, quartier):
    post = create_post(client, quartier.alice, quartier.id)
    for method in (client.post, client.delete):
        assert_error(method(f"{API}/posts/{post['id']}/pin", headers=quartier.alice.headers), 403)
        assert_error(
            method(f"{API}/posts/{post['id']}/pin", headers=quartier.outsider.headers), 404
        )
    got = api.get(f"/posts/{post['id']}", headers=quartier.bob.headers).get_json()
    assert got["pinned"] is False
