"""The feed query is served by its index on PostgreSQL (EXPLAIN on a realistic table)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from neighbours.feed import services
from neighbours.feed.models import Category, ContentStatus
from neighbours.feed.policies import MEMBER_STATUSES, MODERATOR_STATUSES

# Posts are created up to 1000 minutes ago: a cursor about half-way down a feed.
MIDDLE = datetime.now(UTC) - timedelta(minutes=500)
CATEGORIES = [c.value for c in Category if c != Category.ANNOUNCEMENT]


def _explain(db, stmt) -> str:
    sql = stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    rows = db.session.execute(text(f"EXPLAIN {sql}")).scalars().all()
    return "\n".join(rows)


@pytest.fixture
def busy_feeds(db, auth):
    """Eight neighbourhoods with 1000 posts each, a few pinned, in every category and status."""
    authors = [auth.user() for _ in range(20)]
    neighbourhoods = [auth.neighbourhood() for _ in range(8)]
    reader = auth.member(neighbourhoods[3])
    db.session.execute(
        text("INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES (:a, :b, now())"),
        {"a": reader.id, "b": authors[0].id},
    )
    db.session.execute(
        text(
            """
            INSERT INTO posts (neighbourhood_id, author_id, category, title, body, status, pinned,
                               created_at)
            SELECT n.id,
                   (CAST(:authors AS integer[]))[1 + (i % 20)],
                   (CAST(:categories AS text[]))[1 + (i % 7)],
                   'post ' || i, 'body of post ' || i,
                   CASE WHEN i % 50 = 0 THEN 'hidden' WHEN i % 71 = 0 THEN 'deleted'
                        ELSE 'published' END,
                   i % 400 = 7,
                   now() - make_interval(mins => i)
            FROM unnest(CAST(:neighbourhoods AS integer[])) AS n(id),
                 generate_series(1, 1000) AS i
            """
        ),
        {
            "authors": [a.id for a in authors],
            "categories": CATEGORIES,
            "neighbourhoods": [n.id for n in neighbourhoods],
        },
    )
    db.session.commit()
    db.session.execute(text("ANALYZE posts"))
    db.session.execute(text("ANALYZE users"))
    db.session.execute(text("ANALYZE blocks"))
    db.session.commit()
    count = db.session.execute(text("SELECT count(*) FROM posts")).scalar_one()
    assert count == 8000
    return reader, neighbourhoods[3]


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("category", "after", "statuses", "index"),
    [
        (None, None, MEMBER_STATUSES, "ix_posts_feed"),
        (None, (False, MIDDLE, 10**6), MEMBER_STATUSES, "ix_posts_feed"),
        (None, None, MODERATOR_STATUSES, "ix_posts_feed"),
        (Category.OFFER, None, MEMBER_STATUSES, "ix_posts_feed_category"),
        (
            Category.OFFER,
            (True, datetime(2030, 1, 1, tzinfo=UTC), 1),
            MEMBER_STATUSES,
            "ix_posts_feed_category",
        ),
    ],
    ids=["first-page", "deep-page", "moderator", "category", "category-next-page"],
)
def test_the_feed_query_uses_its_index(db, busy_feeds, category, after, statuses, index):
    reader, neighbourhood = busy_feeds
    stmt = services.feed_statement(
        reader.id, neighbourhood.id, statuses, category=category, after=after, limit=20
    )
    plan = _explain(db, stmt)
    print(plan)
    assert f"Index Scan Backward using {index} on posts" in plan or (
        f"Index Scan using {index} on posts" in plan
    ), plan
    assert "Seq Scan on posts" not in plan, plan
    # The index gives the order: no sort of the neighbourhood's posts, on any page.
    assert "Sort" not in plan, plan
    # The cursor is an index condition, not a filter: a deep page starts where it points.
    if after is not None:
        assert "Index Cond" in plan and "ROW(" in plan, plan


@pytest.mark.postgres
def test_the_explained_query_is_the_one_the_feed_runs(api, db, busy_feeds, count_queries):
    reader, neighbourhood = busy_feeds
    headers = {"Authorization": f"Bearer {reader.token}"}
    with count_queries() as statements:
        r = api.get(f"/neighbourhoods/{neighbourhood.id}/posts?limit=20", headers=headers)
    assert r.status_code == 200, r.get_json()
    page = r.get_json()
    assert len(page["items"]) == 20
    assert all(p["status"] == ContentStatus.PUBLISHED for p in page["items"])
    assert [p["pinned"] for p in page["items"][:4]] == [True, True, True, False]
    feed_queries = [s for s in statements if "FROM posts JOIN users" in s]
    assert len(feed_queries) == 1, statements
    assert "ORDER BY posts.pinned DESC, posts.created_at DESC, posts.id DESC" in feed_queries[0]
