"""The feed list: order, cursors, filters, who sees what, and a bounded number of queries."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from neighbours.feed.models import Comment, ContentStatus, Post, Reaction
from tests.feed.api import create_post
from tests.support.api import v1
from tests.support.errors import assert_error


def feed(client, actor, neighbourhood_id, **query):
    r = client.get(
        v1(f"/neighbourhoods/{neighbourhood_id}/posts"),
        query_string=query,
        headers=actor.headers,
    )
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def walk(client, actor, neighbourhood_id, between_pages=lambda: None, **query):
    """Every page of the feed, following next_cursor; returns the pages' lists of ids."""
    pages = []
    cursor = None
    while True:
        page = feed(
            client, actor, neighbourhood_id, **query, **({"after": cursor} if cursor else {})
        )
        pages.append([p["id"] for p in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            return pages
        between_pages()


def pin(client, moderator, post_id):
    r = client.post(v1(f"/posts/{post_id}/pin"), headers=moderator.headers)
    assert r.status_code == 200, r.get_json()


def test_pinned_first_then_newest_first_across_pages(client, quartier):
    ids = [create_post(client, quartier.alice, quartier.id, title=f"p{i}")["id"] for i in range(7)]
    pin(client, quartier.moderator, ids[1])
    pin(client, quartier.moderator, ids[4])
    expected = [ids[4], ids[1], ids[6], ids[5], ids[3], ids[2], ids[0]]

    pages = walk(client, quartier.bob, quartier.id, limit=3)
    assert pages == [expected[0:3], expected[3:6], expected[6:7]]
    whole = feed(client, quartier.bob, quartier.id)
    assert [p["id"] for p in whole["items"]] == expected
    assert [p["pinned"] for p in whole["items"]] == [True, True] + [False] * 5
    assert whole["next_cursor"] is None


def test_order_uses_created_at_then_id(client, db, quartier):
    """Two posts in the same instant keep a stable order (the id breaks the tie)."""
    ids = [create_post(client, quartier.alice, quartier.id)["id"] for _ in range(4)]
    same = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    for post_id, at in zip(
        ids, [same, same, same - timedelta(days=1), same + timedelta(days=1)], strict=True
    ):
        db.session.get(Post, post_id).created_at = at
    db.session.commit()
    assert walk(client, quartier.bob, quartier.id, limit=1) == [
        [ids[3]],
        [ids[1]],
        [ids[0]],
        [ids[2]],
    ]


def test_walking_the_cursors_returns_every_post_once_while_new_ones_arrive(client, quartier):
    old = [
        create_post(client, quartier.alice, quartier.id, title=f"old {i}")["id"] for i in range(8)
    ]
    pin(client, quartier.moderator, old[0])
    new: list[int] = []

    def someone_posts():
        new.append(create_post(client, quartier.bob, quartier.id, title="new")["id"])

    pages = walk(client, quartier.alice, quartier.id, between_pages=someone_posts, limit=3)
    seen = [post_id for page in pages for post_id in page]
    assert seen == [old[0], *reversed(old[1:])]
    assert len(new) == 2
    assert not set(new) & set(seen)
    # A fresh walk sees the new ones, newest first, right after the pinned post.
    assert walk(client, quartier.alice, quartier.id, limit=100) == [
        [old[0], new[1], new[0], *reversed(old[1:])]
    ]


def test_category_filter(client, quartier):
    offer = create_post(client, quartier.alice, quartier.id, category="offer")["id"]
    create_post(client, quartier.alice, quartier.id, category="help_request")
    offer2 = create_post(client, quartier.bob, quartier.id, category="offer")["id"]
    pin(client, quartier.moderator, offer)
    assert walk(client, quartier.bob, quartier.id, category="offer", limit=1) == [[offer], [offer2]]
    assert feed(client, quartier.bob, quartier.id, category="event")["items"] == []


def test_an_unknown_category_filter_is_422(api, quartier):
    r = api.get(
        f"/neighbourhoods/{quartier.id}/posts?category=gossip", headers=quartier.bob.headers
    )
    assert_error(r, 422, "category", location="query")


def test_posts_by_blocked_people_are_left_out_for_the_blocker_only(client, api, quartier):
    mine = create_post(client, quartier.alice, quartier.id)["id"]
    bobs = create_post(client, quartier.bob, quartier.id)["id"]
    r = api.post(f"/users/{quartier.bob.id}/block", headers=quartier.alice.headers)
    assert r.status_code == 204, r.get_json()

    assert [p["id"] for p in feed(client, quartier.alice, quartier.id)["items"]] == [mine]
    for other in (quartier.bob, quartier.moderator):
        assert [p["id"] for p in feed(client, other, quartier.id)["items"]] == [bobs, mine]

    api.delete(f"/users/{quartier.bob.id}/block", headers=quartier.alice.headers)
    assert [p["id"] for p in feed(client, quartier.alice, quartier.id)["items"]] == [bobs, mine]


def test_hidden_and_removed_posts_are_for_moderators_only_and_flagged(client, api, db, quartier):
    shown = create_post(client, quartier.alice, quartier.id)["id"]
    hidden = create_post(client, quartier.alice, quartier.id)["id"]
    removed = create_post(client, quartier.alice, quartier.id)["id"]
    deleted = create_post(client, quartier.alice, quartier.id)["id"]
    db.session.get(Post, hidden).status = ContentStatus.HIDDEN
    db.session.commit()
    assert api.delete(f"/posts/{removed}", headers=quartier.moderator.headers).status_code == 204
    assert api.delete(f"/posts/{deleted}", headers=quartier.alice.headers).status_code == 204

    as_member = feed(client, quartier.bob, quartier.id)["items"]
    assert [(p["id"], p["status"]) for p in as_member] == [(shown, "published")]
    as_moderator = feed(client, quartier.moderator, quartier.id)["items"]
    assert [(p["id"], p["status"]) for p in as_moderator] == [
        (removed, "removed"),
        (hidden, "hidden"),
        (shown, "published"),
    ]
    assert_error(api.get(f"/posts/{hidden}", headers=quartier.bob.headers), 404)


def test_the_feed_is_for_active_members(client, api, auth, quartier):
    create_post(client, quartier.alice, quartier.id)
    r = api.get(f"/neighbourhoods/{quartier.id}/posts", headers=quartier.outsider.headers)
    assert_error(r, 403)
    pending = auth.member(quartier.neighbourhood, status="pending")
    r = api.get(f"/neighbourhoods/{quartier.id}/posts", headers=pending.headers)
    assert_error(r, 403)
    r = api.get("/neighbourhoods/999999/posts", headers=quartier.alice.headers)
    assert_error(r, 404)


@pytest.mark.parametrize("limit", ["0", "101", "-1", "many"])
def test_limit_out_of_range_is_422(api, quartier, limit):
    r = api.get(f"/neighbourhoods/{quartier.id}/posts?limit={limit}", headers=quartier.bob.headers)
    assert_error(r, 422, "limit", location="query")


def test_limit_100_is_allowed_and_default_is_20(client, db, quartier):
    posts = [
        Post(
            neighbourhood_id=quartier.id,
            author_id=quartier.alice.id,
            category="general",
            title=f"p{i}",
            body="b",
        )
        for i in range(25)
    ]
    db.session.add_all(posts)
    db.session.commit()
    assert len(feed(client, quartier.bob, quartier.id)["items"]) == 20
    assert len(feed(client, quartier.bob, quartier.id, limit=100)["items"]) == 25


def _b64(value):
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "%%%",
        _b64([1, 2]),
        _b64({"a": 1}),
        _b64([True, "yesterday", 3]),
        _b64([False, {"t": "2024-01-01T00:00:00+00:00"}, "x"]),
        _b64([None, None, None]),
    ],
)
def test_a_bad_cursor_is_422_naming_after(client, api, quartier, cursor):
    create_post(client, quartier.alice, quartier.id)
    r = api.get(
        f"/neighbourhoods/{quartier.id}/posts",
        query_string={"after": cursor},
        headers=quartier.bob.headers,
    )
    assert_error(r, 422, "after", location="query")


def _fill(db, quartier, auth, n):
    """n posts by several authors, each with comments and reactions from several people."""
    people = [quartier.alice, quartier.bob, quartier.moderator] + [
        auth.member(quartier.neighbourhood) for _ in range(2)
    ]
    for i in range(n):
        post = Post(
            neighbourhood_id=quartier.id,
            author_id=people[i % len(people)].id,
            category="general",
            title=f"p{i}",
            body="b",
            pinned=i % 17 == 0,
        )
        db.session.add(post)
        db.session.flush()
        for j, person in enumerate(people):
            if (i + j) % 2:
                db.session.add(Comment(post_id=post.id, author_id=person.id, body="c"))
            db.session.add(Reaction(post_id=post.id, user_id=person.id, kind="like"))
            if j % 2:
                db.session.add(Reaction(post_id=post.id, user_id=person.id, kind="thanks"))
    db.session.commit()


def _feed_statements(statements):
    return [
        s
        for s in statements
        if any(t in s for t in ("FROM posts", "FROM comments", "FROM reactions"))
    ]


def test_a_page_costs_the_same_number_of_queries_whatever_its_size(
    api, db, auth, quartier, count_queries
):
    _fill(db, quartier, auth, 60)

    def counted_get(query):
        db.session.expunge_all()  # the test's session outlives requests: start each one cold
        with count_queries() as statements:
            r = api.get(
                f"/neighbourhoods/{quartier.id}/posts",
                query_string=query,
                headers=quartier.bob.headers,
            )
        assert r.status_code == 200, r.get_json()
        return r.get_json(), statements

    small_page, small = counted_get({"limit": 5})
    large_page, large = counted_get({"limit": 50})
    assert len(small_page["items"]) == 5
    assert len(large_page["items"]) == 50
    assert len(small) == len(large), (small, large)
    # The page with its authors, comment counts, reaction counts and my reactions, in one
    # statement; with the token's (which brings the membership), two in all.
    assert len(_feed_statements(large)) == 1, large
    assert len(large) == 2, large
    # ...and the counts are right: each post had 5 likes, 2 thanks, 2 or 3 comments.
    first = large_page["items"][0]
    assert first["reactions"] == {"like": 5, "thanks": 2}
    assert first["my_reactions"] == ["like", "thanks"]
    assert {p["comment_count"] for p in large_page["items"]} == {2, 3}

    next_page, following = counted_get({"limit": 5, "after": small_page["next_cursor"]})
    assert [p["id"] for p in next_page["items"]] == [p["id"] for p in large_page["items"][5:10]]
    assert len(following) == len(small)
