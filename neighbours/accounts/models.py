"""The tables the accounts feature owns."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from neighbours.database import TimestampMixin, utcnow
from neighbours.extensions import db


class User(TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased; NULL once the account is deleted (anonymised).
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(60))
    bio: Mapped[str | None] = mapped_column(Text)
    avatar_url: Mapped[str | None] = mapped_column(String(500))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The language the API answers this user in ("en" / "fr"); None: their Accept-Language.
    locale: Mapped[str | None] = mapped_column(String(8))
    # The language their client last asked for (Accept-Language at sign-in, registration or a
    # socket's connect): live texts use it when `locale` is None. Cleared on deletion.
    last_language: Mapped[str | None] = mapped_column(String(8))
    diets: Mapped[list[str]] = mapped_column(JSON, default=list)
    allergens: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_admin: Mapped[bool] = mapped_column(default=False)
    deleted_at: Mapped[datetime | None]

    tokens: Mapped[list[AccessToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def dietary(self) -> dict[str, list[str]]:
        return {"diets": list(self.diets or []), "allergens": list(self.allergens or [])}

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class AccessToken(db.Model):
    """A login session: the bearer token's hash, its expiry and whether it was revoked."""

    __tablename__ = "access_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    user_agent: Mapped[str | None] = mapped_column(String(200))
    ip: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship(back_populates="tokens")


class Block(db.Model):
    """`blocker` no longer hears from `blocked`: no messages, their posts hidden."""

    __tablename__ = "blocks"
    __table_args__ = (Index("ix_blocks_blocked_id", "blocked_id"),)

    blocker_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    blocked_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
