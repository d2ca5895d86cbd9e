"""The tables the messages feature owns."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from neighbours.accounts.models import User
from neighbours.database import string_enum, utcnow
from neighbours.extensions import db
from neighbours.moderation.models import ContentStatus


class ConversationKind(enum.StrEnum):
    DIRECT = "direct"
    GROUP = "group"
    MEAL = "meal"


class Conversation(db.Model):
    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_last_activity", "last_activity_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ConversationKind] = mapped_column(
        string_enum(ConversationKind, "conversation_kind")
    )
    title: Mapped[str | None] = mapped_column(String(120))
    # The neighbourhood it was started in: suspensions there stop its participants writing.
    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhoods.id", ondelete="CASCADE"), index=True
    )
    meal_id: Mapped[int | None] = mapped_column(
        ForeignKey("meals.id", ondelete="CASCADE"), unique=True
    )
    # For direct conversations: "<low id>:<high id>", so a pair has one conversation.
    direct_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_id: Mapped[int | None] = mapped_column()


class Participant(db.Model):
    __tablename__ = "conversation_participants"
    __table_args__ = (Index("ix_conversation_participants_user_id_left_at", "user_id", "left_at"),)

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]
    last_read_message_id: Mapped[int] = mapped_column(default=0)

    user: Mapped[User] = relationship()


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation_id_id", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[ContentStatus] = mapped_column(
        string_enum(ContentStatus, "message_status"), default=ContentStatus.PUBLISHED
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()
