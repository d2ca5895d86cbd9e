"""The feed page is built without marshmallow (`feed.reading`): byte for byte what the schema
gives, and a bounded number of statements whoever reads it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import event, select

from neighbours.accounts.models import Block, User
from neighbours.database import utcnow
from neighbours.feed import services
from neighbours.feed.models import Comment, Post, Reaction
from neighbours.feed.reading import KINDS
from neighbours.feed.schemas import PostPageSchema
from neighbours.moderation.models import ContentStatus, Suspension
from neighbours.neighbourhoods.models import Membership, MembershipStatus, Role

TITLES = ["Fête des voisins — été 🍅", 'Quotes " and \\ back', "<script>alert(1)</script>", "x"]
STATUSES = [
    ContentStatus.PUBLISHED,
    ContentStatus.HIDDEN,
    ContentStatus.HELD,
    ContentStatus.REMOVED,
    ContentStatus.DELETED,
]


@pytest.fixture
def rich_feed(db, auth, quartier):
    """Posts of every status by authors with and without avatars, pinned and edited ones,
    published and hidden comments, every kind of reaction, the reader's own among them, and
    an author the reader blocked."""
    pictured = auth.member(quartier.neighbourhood, name="Zoé", avatar_url="https://x.test/z.png")
    blocked = auth.member(quartier.neighbourhood, name="Blocked")
    authors = [quartier.alice.id, quartier.moderator.id, pictured.id, blocked.id, quartier.bob.id]
    readers = [quartier.alice.id, quartier.bob.id, quartier.moderator.id, pictured.id]
    db.session.add(Block(blocker_id=quartier.bob.id, blocked_id=blocked.id))
    now = utcnow()
    for i in range(45):
        post = Post(
            neighbourhood_id=quartier.id,
            author_id=authors[i % len(authors)],
            category=["general", "offer", "alert", "event", "help_request"][i % 5],
            title=TITLES[i % len(TITLES)],
            body=f"Body {i}\nwith a new line and ünïcødé",
            status=STATUSES[i % 7] if i % 7 < len(STATUSES) else ContentStatus.PUBLISHED,
            pinned=i in (4, 30),
            created_at=now - timedelta(minutes=i, microseconds=i * 1013),
            edited_at=now - timedelta(seconds=i) if i % 3 == 0 else None,
        )
        db.session.add(post)
        db.session.flush()
        for j in range(i % 4):
            hidden = j == 2
            db.session.add(
                Comment(
                    post_id=post.id,
                    author_id=readers[j],
                    body="c",
                    status=ContentStatus.HIDDEN if hidden else ContentStatus.PUBLISHED,
                )
            )
        for j, reader in enumerate(readers):
            for k, kind in enumerate(KINDS):
                if (i * (j + 2) + k) % 5 < 2 and i % 9 != 8:
                    db.session.add(Reaction(post_id=post.id, user_id=reader, kind=kind))
    db.session.commit()
    return quartier


def _schema_body(db, reader_id: int, page: dict) -> bytes:
    """What the ORM views dumped by PostPageSchema give for the same posts, as the route did
    before (and still does for single posts)."""
    db.session.expunge_all()
    user = db.session.get(User, reader_id)
    ids = [item["id"] for item in page["items"]]
    posts = {p.id: p for p in db.session.scalars(select(Post).where(Post.id.in_(ids)))}
    views = services._views(user, [posts[i] for i in ids])
    dumped = PostPageSchema().dump({"items": views, "next_cursor": page["next_cursor"]})
    return current_app.json.response(dumped).get_data()


@pytest.mark.parametrize("reader", ["bob", "moderator", "alice"])
def test_the_page_is_the_schemas_byte_for_byte(client, db, rich_feed, reader):
    actor = getattr(rich_feed, reader)
    url = f"/api/v1/neighbourhoods/{rich_feed.id}/posts?limit=7"
    pages = 0
    while url and pages < 10:
        r = client.get(url, headers=actor.headers)
        assert r.status_code == 200, r.get_json()
        page = r.get_json()
        assert r.get_data() == _schema_body(db, actor.id, page), page
        pages += 1
        cursor = page["next_cursor"]
        url = (
            f"/api/v1/neighbourhoods/{rich_feed.id}/posts?limit=7&after={cursor}" if cursor else ""
        )
    assert pages >= 3
    # The data is as rich as it claims: every field takes more than one shape on the pages.
    first = client.get(
        f"/api/v1/neighbourhoods/{rich_feed.id}/posts?limit=100", headers=actor.headers
    ).get_json()["items"]
    assert {p["author"]["avatar_url"] is None for p in first} == {True, False}
    assert {p["edited_at"] is None for p in first} == {True, False}
    assert {len(p["my_reactions"]) for p in first} >= {0, 1, 2}
    assert {len(p["reactions"]) for p in first} >= {0, 2, 3}
    assert {p["comment_count"] for p in first} == {0, 1, 2}
    if reader == "moderator":
        assert {p["status"] for p in first} == {"published", "hidden", "held", "removed"}
    else:
        assert {p["status"] for p in first} == {"published"}
    blocked = {p["author"]["display_name"] for p in first} & {"Blocked"}
    assert blocked == (set() if reader == "bob" else {"Blocked"})


def test_a_category_page_is_the_schemas_too(client, db, rich_feed):
    url = f"/api/v1/neighbourhoods/{rich_feed.id}/posts?limit=100&category=offer"
    r = client.get(url, headers=rich_feed.bob.headers)
    assert r.status_code == 200
    page = r.get_json()
    assert page["items"] and {p["category"] for p in page["items"]} == {"offer"}
    assert r.get_data() == _schema_body(db, rich_feed.bob.id, page)


# --- statements ---------------------------------------------------------------------------


def _counted(client, count_queries, db, url, actor):
    db.session.expunge_all()
    with count_queries() as statements:
        r = client.get(url, headers=actor.headers)
    assert r.status_code == 200, r.get_json()
    return r.get_json(), statements


@pytest.mark.parametrize("reader", ["bob", "moderator"])
def test_a_feed_page_costs_at_most_three_statements_with_authentication(
    client, db, rich_feed, count_queries, reader
):
    actor = getattr(rich_feed, reader)
    base = f"/api/v1/neighbourhoods/{rich_feed.id}/posts?limit=5"
    first, statements = _counted(client, count_queries, db, base, actor)
    assert len(statements) <= 3, statements
    assert len(first["items"]) == 5 and first["next_cursor"]
    second, statements = _counted(
        client, count_queries, db, f"{base}&after={first['next_cursor']}", actor
    )
    assert len(statements) <= 3, statements
    assert len(second["items"]) == 5
    # Past the pinned posts too (the cursor of an unpinned post).
    deep, statements = _counted(
        client, count_queries, db, f"{base}&after={second['next_cursor']}", actor
    )
    assert len(statements) <= 3, statements
    assert not any(p["pinned"] for p in deep["items"])


def test_a_suspended_moderator_sees_the_members_feed_in_as_few_statements(
    client, db, rich_feed, count_queries
):
    """The suspension comes with the token's statement, and still takes moderation away."""
    db.session.add(
        Suspension(
            neighbourhood_id=rich_feed.id,
            user_id=rich_feed.moderator.id,
            ends_at=utcnow() + timedelta(days=1),
        )
    )
    db.session.commit()
    page, statements = _counted(
        client,
        count_queries,
        db,
        f"/api/v1/neighbourhoods/{rich_feed.id}/posts?limit=100",
        rich_feed.moderator,
    )
    assert len(statements) <= 3, statements
    assert {p["status"] for p in page["items"]} == {"published"}


def test_a_role_changed_between_two_pages_counts_at_once(client, db, rich_feed, count_queries):
    """Nothing of one request's rights is kept for the next: demoted, the moderator sees the
    members' feed on the very next request; removed, they get 403."""
    url = f"/api/v1/neighbourhoods/{rich_feed.id}/posts?limit=100"
    before = client.get(url, headers=rich_feed.moderator.headers).get_json()["items"]
    assert "hidden" in {p["status"] for p in before}
    membership = db.session.execute(
        select(Membership).where(
            Membership.user_id == rich_feed.moderator.id,
            Membership.neighbourhood_id == rich_feed.id,
        )
    ).scalar_one()
    membership.role = Role.MEMBER
    db.session.commit()
    after = client.get(url, headers=rich_feed.moderator.headers).get_json()["items"]
    assert {p["status"] for p in after} == {"published"}
    membership.status = MembershipStatus.LEFT
    db.session.commit()
    assert client.get(url, headers=rich_feed.moderator.headers).status_code == 403


# --- without a transaction ------------------------------------------------------------------


@pytest.mark.commits
def test_the_hot_reads_run_without_a_transaction_and_leave_the_pool_as_it_was(
    make_app, auth, kitchen
):
    """On the real engine (not the tests' rolled-back connection) the feed, the meal list and a
    meal run in autocommit (no BEGIN, no ROLLBACK); their connection goes back to the pool in
    its transactional mode, so the next write is still one transaction."""
    from neighbours.extensions import db as app_db  # the other app's engine, in its context

    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0})
    client = app.test_client()
    canteen = kitchen.canteen()
    neighbourhood = canteen.neighbourhood
    meal = kitchen.meal(canteen)
    member = auth.member(neighbourhood)
    with app.app_context():
        engine = app_db.engine
    postgres = engine.dialect.name == "postgresql"
    seen: list[tuple[str, bool]] = []

    def before(conn, cursor, statement, *args):
        driver = conn.connection.driver_connection
        autocommit = driver.autocommit if postgres else driver.isolation_level is None
        seen.append((statement, autocommit))

    event.listen(engine, "before_cursor_execute", before)
    try:
        for url in (
            f"/api/v1/neighbourhoods/{neighbourhood.id}/posts",
            f"/api/v1/neighbourhoods/{neighbourhood.id}/meals",
            f"/api/v1/meals/{meal.id}",
        ):
            seen.clear()
            r = client.get(url, headers=member.headers)
            assert r.status_code == 200, r.get_json()
            assert 2 <= len(seen) <= 3, seen
            assert all(autocommit for _statement, autocommit in seen), seen
        seen.clear()
        r = client.post(
            f"/api/v1/neighbourhoods/{neighbourhood.id}/posts",
            json={"category": "general", "title": "After", "body": "the reads"},
            headers=member.headers,
        )
        assert r.status_code == 201, r.get_json()
        assert seen and not any(autocommit for _statement, autocommit in seen), seen
    finally:
        event.remove(engine, "before_cursor_execute", before)
    r = client.get(f"/api/v1/neighbourhoods/{neighbourhood.id}/posts", headers=member.headers)
    assert [p["title"] for p in r.get_json()["items"]] == ["After"]
