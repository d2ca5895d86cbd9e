"""The table the notifications feature owns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, false, true
from sqlalchemy.orm import Mapped, mapped_column

from neighbours.database import utcnow
from neighbours.extensions import db


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class NotificationSettings(db.Model):
    """What a person wants to hear of, beyond what always reaches them. No row: the
    defaults (`notifications.settings.DEFAULTS`)."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    diner_reminders: Mapped[bool] = mapped_column(default=True, server_default=true())
    kitchen_reminders: Mapped[bool] = mapped_column(default=True, server_default=true())
    waitlist_reminders: Mapped[bool] = mapped_column(default=True, server_default=true())
    morning_brief: Mapped[bool] = mapped_column(default=True, server_default=true())
    free_seats_digest: Mapped[bool] = mapped_column(
        default=False, server_default=false(), index=True
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
