"""The feed page: one statement, and its items built without marshmallow.

The page's posts come with their authors, their published comments' count, their reactions'
counts per kind and the reader's own reactions in one statement (correlated subqueries, each
an index lookup per post of the page: ix_comments_post_id_id, ix_reactions_post_id_kind and
the reactions' primary key), served in order by ix_posts_feed (or ix_posts_feed_category).
With the caller's token, membership and suspension read in the token's statement
(`neighbourhoods.prefetch`), a page costs two statements.

The items are the dicts `PostSchema` would dump from the post views of `services` (ORM rows
and three more queries, still used for single posts); `tests/feed/test_feed_dump.py` compares
the two byte for byte.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, Row, Select, bindparam, false, func, select, tuple_

from neighbours.accounts.models import Block, User
from neighbours.errors import Invalid
from neighbours.extensions import db
from neighbours.feed import policies
from neighbours.feed.models import Category, Comment, Post, Reaction, ReactionKind
from neighbours.fields import utc_iso
from neighbours.moderation.models import ContentStatus
from neighbours.neighbourhoods import policies as neighbourhood_policies
from neighbours.pagination import decode_cursor, encode_cursor

# The feed's order, newest first behind the pinned posts; served by ix_posts_feed (and
# ix_posts_feed_category when filtered), which hold these columns after neighbourhood_id.
_FEED_KEY = (Post.pinned, Post.created_at, Post.id)
_INT64 = 2**63
KINDS = tuple(kind.value for kind in ReactionKind)


def _feed_cursor(row: Any) -> str:
    # `pinned` travels as 0/1: the shared cursor check refuses JSON booleans.
    return encode_cursor([int(row.pinned), row.created_at, row.id])


def _feed_after(cursor: str) -> tuple[bool, datetime, int]:
    """The sort key a feed cursor points after; 422 naming `after` if it is not one of ours."""
    pinned, created_at, post_id = decode_cursor(cursor, len(_FEED_KEY))
    if (
        type(pinned) is not int
        or pinned not in (0, 1)
        or not isinstance(created_at, datetime)
        or created_at.tzinfo is None
        or type(post_id) is not int
        or not -_INT64 <= post_id < _INT64
    ):
        raise Invalid("after", _l("Not a valid cursor for this feed."), location="query")
    return bool(pinned), created_at, post_id


def _counts() -> list[Any]:
    """The per-post columns of a page: counts, and the reader's own reactions ("like,thanks")."""
    comments = (
        select(func.count())
        .where(Comment.post_id == Post.id, Comment.status == ContentStatus.PUBLISHED)
        .scalar_subquery()
        .label("comment_count")
    )
    per_kind = [
        select(func.count())
        .where(Reaction.post_id == Post.id, Reaction.kind == kind)
        .scalar_subquery()
        .label(f"reactions_{kind}")
        for kind in KINDS
    ]
    mine = (
        select(func.aggregate_strings(Reaction.kind, ","))
        .where(Reaction.post_id == Post.id, Reaction.user_id == bindparam("reader_id"))
        .scalar_subquery()
        .label("my_reactions")
    )
    return [comments, *per_kind, mine]


# Built once per shape (who may see which statuses, a category or not, where the cursor
# points) and run again with new parameters: building this statement costs more than running it.
_Shape = tuple[tuple[ContentStatus, ...], bool, str | None]
_built: dict[_Shape, Select[Any]] = {}


def _build(shape: _Shape) -> Select[Any]:
    statuses, by_category, after = shape
    blocked = select(Block.blocked_id).where(Block.blocker_id == bindparam("reader_id"))
    stmt = (
        select(
            Post.id,
            Post.neighbourhood_id,
            Post.author_id,
            User.display_name,
            User.avatar_url,
            Post.category,
            Post.title,
            Post.body,
            Post.status,
            Post.pinned,
            Post.created_at,
            Post.edited_at,
            *_counts(),
        )
        .select_from(Post)
        .join(User, User.id == Post.author_id)
        .where(
            Post.neighbourhood_id == bindparam("neighbourhood_id"),
            Post.status.in_(statuses),
            Post.author_id.not_in(blocked),
        )
    )
    if by_category:
        stmt = stmt.where(Post.category == bindparam("category"))
    # Row comparisons, not an OR of prefixes, so that the cursor is an index condition on
    # PostgreSQL: a deep page starts where it points instead of filtering from the top.
    since = (
        bindparam("after_created_at", type_=Post.created_at.type),
        bindparam("after_id", type_=Post.id.type),
    )
    if after == "pinned":
        stmt = stmt.where(
            tuple_(*_FEED_KEY) < tuple_(bindparam("after_pinned", type_=Post.pinned.type), *since)
        )
    elif after == "unpinned":
        # Past the pinned posts. Said as `pinned = false` rather than ROW(pinned, ...) <
        # ROW(false, ...), which the planner estimates from `pinned < false` (no rows) and
        # answers by sorting everything after the cursor.
        stmt = stmt.where(Post.pinned == false(), tuple_(*_FEED_KEY[1:]) < tuple_(*since))
    return stmt.order_by(*(k.desc() for k in _FEED_KEY)).limit(bindparam("limit", type_=Integer))


def _prepared(
    reader_id: int,
    neighbourhood_id: int,
    statuses: tuple[ContentStatus, ...],
    *,
    category: Category | None,
    after: tuple[bool, datetime, int] | None,
    limit: int,
) -> tuple[Select[Any], dict[str, Any]]:
    """The feed query for one page and its parameters (one extra row tells whether there is a
    next page)."""
    params: dict[str, Any] = {
        "reader_id": reader_id,
        "neighbourhood_id": neighbourhood_id,
        "limit": limit + 1,
    }
    if category is not None:
        params["category"] = category
    where = None
    if after is not None:
        pinned, created_at, post_id = after
        where = "pinned" if pinned else "unpinned"
        params |= {"after_pinned": pinned, "after_created_at": created_at, "after_id": post_id}
    shape = (tuple(statuses), category is not None, where)
    stmt = _built.get(shape)
    if stmt is None:
        stmt = _built[shape] = _build(shape)
    return stmt, params


def feed_statement(
    reader_id: int,
    neighbourhood_id: int,
    statuses: tuple[ContentStatus, ...],
    *,
    category: Category | None,
    after: tuple[bool, datetime, int] | None,
    limit: int,
) -> Select[Any]:
    """The feed query for one page with its values bound (what EXPLAIN is asked about)."""
    stmt, params = _prepared(
        reader_id, neighbourhood_id, statuses, category=category, after=after, limit=limit
    )
    return stmt.params(params)


def post_item(row: Row[Any]) -> dict[str, Any]:
    """One row of `feed_statement` as `PostSchema` dumps a post view."""
    reactions = {}
    for kind in KINDS:
        count = getattr(row, f"reactions_{kind}")
        if count:
            reactions[kind] = count
    return {
        "id": row.id,
        "neighbourhood_id": row.neighbourhood_id,
        "author": {
            "id": row.author_id,
            "display_name": row.display_name,
            "avatar_url": row.avatar_url,
        },
        "category": row.category.value,
        "title": row.title,
        "body": row.body,
        "status": row.status.value,
        "pinned": row.pinned,
        "created_at": utc_iso(row.created_at),
        "edited_at": utc_iso(row.edited_at),
        "comment_count": row.comment_count,
        "reactions": reactions,
        "my_reactions": sorted(row.my_reactions.split(",")) if row.my_reactions else [],
    }


def list_posts(
    user: User, neighbourhood_id: int, *, category: Category | None, limit: int, after: str | None
) -> dict[str, Any]:
    """Pinned first, then newest first; without posts by people the reader blocked. The page
    as `PostPageSchema` dumps it."""
    neighbourhood = neighbourhood_policies.get_neighbourhood(neighbourhood_id)
    neighbourhood_policies.require_member(user, neighbourhood)
    stmt, params = _prepared(
        user.id,
        neighbourhood.id,
        policies.listed_statuses(user, neighbourhood.id),
        category=category,
        after=_feed_after(after) if after else None,
        limit=limit,
    )
    rows = db.session.execute(stmt, params).all()
    cursor = _feed_cursor(rows[limit - 1]) if len(rows) > limit else None
    return {"items": [post_item(row) for row in rows[:limit]], "next_cursor": cursor}
