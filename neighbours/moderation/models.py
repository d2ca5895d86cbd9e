"""The tables the moderation feature owns."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from neighbours.accounts.models import User
from neighbours.database import TimestampMixin, string_enum, utcnow
from neighbours.extensions import db

# The moderation log and suspensions are read and written by the neighbourhoods feature
# (can_write, logged approvals and role changes), which sits below moderation: their tables
# live there, and are re-exported here for moderation's own code (and older imports).
from neighbours.neighbourhoods.models import ModerationLogEntry, Suspension

__all__ = [
    "ContentStatus",
    "Decision",
    "ItemStatus",
    "ModerationItem",
    "ModerationLogEntry",
    "ModerationSettings",
    "Report",
    "ReportReason",
    "Suspension",
    "TargetType",
]


class ContentStatus(enum.StrEnum):
    """Where a post, comment or message stands: moderation's decisions move it."""

    PUBLISHED = "published"
    HELD = "held"  # waiting for a moderator before anyone else sees it
    HIDDEN = "hidden"  # hidden pending review (reports reached the threshold, or a moderator)
    REMOVED = "removed"  # removed by a moderator
    DELETED = "deleted"  # deleted by its author


class TargetType(enum.StrEnum):
    POST = "post"
    COMMENT = "comment"
    MESSAGE = "message"
    USER = "user"
    MEAL = "meal"


class ReportReason(enum.StrEnum):
    SPAM = "spam"
    INAPPROPRIATE = "inappropriate"
    HARASSMENT = "harassment"
    ILLEGAL = "illegal"
    OTHER = "other"


class ItemStatus(enum.StrEnum):
    PENDING = "pending"
    RESOLVED = "resolved"


class Decision(enum.StrEnum):
    DISMISS = "dismiss"
    HIDE = "hide"
    REMOVE = "remove"
    WARN = "warn"
    SUSPEND = "suspend"


class ModerationItem(TimestampMixin, db.Model):
    """One queue item per reported (or held) target, grouping its reports."""

    __tablename__ = "moderation_items"
    __table_args__ = (
        # A person can be reported in each neighbourhood they belong to, to its moderators.
        UniqueConstraint("neighbourhood_id", "target_type", "target_id"),
        Index("ix_moderation_items_neighbourhood_id_status_id", "neighbourhood_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhoods.id", ondelete="CASCADE")
    )
    target_type: Mapped[TargetType] = mapped_column(string_enum(TargetType, "target_type"))
    target_id: Mapped[int] = mapped_column()
    # Whose content it is: warned, suspended and notified by decisions.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[ItemStatus] = mapped_column(
        string_enum(ItemStatus, "item_status"), default=ItemStatus.PENDING
    )
    score: Mapped[int] = mapped_column(Integer, default=0)
    # The content as it was when first reported or held: kept even if edited or deleted.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    held_reason: Mapped[str | None] = mapped_column(String(40))
    auto_hidden: Mapped[bool] = mapped_column(default=False)
    decision: Mapped[Decision | None] = mapped_column(string_enum(Decision, "decision"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]


class Report(db.Model):
    __tablename__ = "reports"
    __table_args__ = (
        # One open report per person and target.
        Index(
            "uq_reports_open_per_reporter",
            "reporter_id",
            "target_type",
            "target_id",
            unique=True,
            postgresql_where=text("open"),
            sqlite_where=text("open"),
        ),
        Index("ix_reports_item_id", "item_id"),
        Index("ix_reports_reporter_id_created_at", "reporter_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("moderation_items.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    target_type: Mapped[TargetType] = mapped_column(string_enum(TargetType, "report_target_type"))
    target_id: Mapped[int] = mapped_column()
    reason: Mapped[ReportReason] = mapped_column(string_enum(ReportReason, "report_reason"))
    details: Mapped[str | None] = mapped_column(Text)
    open: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    reporter: Mapped[User] = relationship()


class ModerationSettings(db.Model):
    """A neighbourhood's thresholds, limits and held words; NULL means the app default."""

    __tablename__ = "moderation_settings"

    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhoods.id", ondelete="CASCADE"), primary_key=True
    )
    report_threshold: Mapped[int | None] = mapped_column(Integer)
    new_member_posts: Mapped[int | None] = mapped_column(Integer)
    daily_posts: Mapped[int | None] = mapped_column(Integer)
    daily_comments: Mapped[int | None] = mapped_column(Integer)
    daily_reports: Mapped[int | None] = mapped_column(Integer)
    daily_conversations: Mapped[int | None] = mapped_column(Integer)
    held_words: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
