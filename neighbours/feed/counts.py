"""What the daily limits count in the feed (moderation's limits ask, see `limits.Counter`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from neighbours.extensions import db
from neighbours.feed.models import Comment, Post
from neighbours.moderation.limits import Counter


def posts(author_id: int, neighbourhood_id: int) -> Counter:
    def count(since: datetime) -> tuple[int, datetime | None]:
        found, oldest = db.session.execute(
            select(func.count(), func.min(Post.created_at)).where(
                Post.author_id == author_id,
                Post.neighbourhood_id == neighbourhood_id,
                Post.created_at > since,
            )
        ).one()
        return found, oldest

    return count


def comments(author_id: int, neighbourhood_id: int) -> Counter:
    def count(since: datetime) -> tuple[int, datetime | None]:
        found, oldest = db.session.execute(
            select(func.count(), func.min(Comment.created_at))
            .join(Post, Post.id == Comment.post_id)
            .where(
                Comment.author_id == author_id,
                Post.neighbourhood_id == neighbourhood_id,
                Comment.created_at > since,
            )
        ).one()
        return found, oldest

    return count
