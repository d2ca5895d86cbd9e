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
from sqlalchemy import Row, Select, false, func, literal, select, tuple_

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


def _literals(columns: tuple[Any, ...], values: tuple[Any, ...]) -> list[Any]:
    return [literal(v, c.type) for c, v in zip(columns, values, strict=True)]


def _counts(reader_id: int) -> list[Any]:
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
        .where(Reaction.post_id == Post.id, Reaction.user_id == reader_id)
        .scalar_subquery()
        .label("my_reactions")
    )
    return [comments, *per_kind, mine]


def feed_statement(
    reader_id: int,
    neighbourhood_id: int,
    statuses: tuple[ContentStatus, ...],
    *,
    category: Category | None,
    after: tuple[bool, datetime, int] | None,
    limit: int,
) -> Select[Any]:
    """The feed query for one page (one extra row tells whether there is a next page)."""
    blocked = select(Block.blocked_id).where(Block.blocker_id == reader_id)
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
            *_counts(reader_id),
        )
        .select_from(Post)
        .join(User, User.id == Post.author_id)
        .where(
            Post.neighbourhood_id == neighbourhood_id,
            Post.status.in_(statuses),
            Post.author_id.not_in(blocked),
        )
    )
    if category is not None:
        stmt = stmt.where(Post.category == category)
    if after is not None:
        # Row comparisons, not an OR of prefixes, so that the cursor is an index condition on
        # PostgreSQL: a deep page starts where it points instead of filtering from the top.
        pinned, created_at, post_id = after
        if pinned:
            stmt = stmt.where(tuple_(*_FEED_KEY) < tuple_(*_literals(_FEED_KEY, after)))
        else:
            # Past the pinned posts. Said as `pinned = false` rather than ROW(pinned, ...) <
            # ROW(false, ...), which the planner estimates from `pinned < false` (no rows) and
            # answers by sorting everything after the cursor.
            stmt = stmt.where(
                Post.pinned == false(),
                tuple_(*_FEED_KEY[1:]) < tuple_(*_literals(_FEED_KEY[1:], (created_at, post_id))),
            )
    return stmt.order_by(*(k.desc() for k in _FEED_KEY)).limit(limit + 1)


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
    stmt = feed_statement(
        user.id,
        neighbourhood.id,
        policies.listed_statuses(user, neighbourhood.id),
        category=category,
        after=_feed_after(after) if after else None,
        limit=limit,
    )
    rows = db.session.execute(stmt).all()
    cursor = _feed_cursor(rows[limit - 1]) if len(rows) > limit else None
    return {"items": [post_item(row) for row in rows[:limit]], "next_cursor": cursor}
