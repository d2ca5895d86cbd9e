"""The tables the feed owns."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from neighbours.accounts.models import User
from neighbours.database import string_enum, utcnow
from neighbours.extensions import db
from neighbours.moderation.models import ContentStatus

__all__ = ["Category", "Comment", "ContentStatus", "Post", "Reaction", "ReactionKind"]


class Category(enum.StrEnum):
    ANNOUNCEMENT = "announcement"
    HELP_REQUEST = "help_request"
    OFFER = "offer"
    EVENT = "event"
    LOST_FOUND = "lost_found"
    LEND_BORROW = "lend_borrow"
    ALERT = "alert"
    GENERAL = "general"


class ReactionKind(enum.StrEnum):
    LIKE = "like"
    THANKS = "thanks"
    SUPPORT = "support"


class Post(db.Model):
    __tablename__ = "posts"
    __table_args__ = (
        # The feed: pinned first, newest first, within a neighbourhood (optionally a category).
        Index("ix_posts_feed", "neighbourhood_id", "pinned", "created_at", "id"),
        Index(
            "ix_posts_feed_category", "neighbourhood_id", "category", "pinned", "created_at", "id"
        ),
        Index("ix_posts_author_id", "author_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhoods.id", ondelete="CASCADE")
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    category: Mapped[Category] = mapped_column(string_enum(Category, "post_category"))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[ContentStatus] = mapped_column(
        string_enum(ContentStatus, "content_status"), default=ContentStatus.PUBLISHED
    )
    pinned: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]

    author: Mapped[User] = relationship()


class Comment(db.Model):
    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_post_id_id", "post_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[ContentStatus] = mapped_column(
        string_enum(ContentStatus, "comment_status"), default=ContentStatus.PUBLISHED
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]

    author: Mapped[User] = relationship()
    post: Mapped[Post] = relationship()


class Reaction(db.Model):
    __tablename__ = "reactions"
    __table_args__ = (
        Index("ix_reactions_post_id_kind", "post_id", "kind"),
        CheckConstraint("kind IN ('like', 'thanks', 'support')", name="kind_known"),
    )

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
