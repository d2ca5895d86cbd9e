"""The tables the neighbourhoods feature owns."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from neighbours.accounts.models import User
from neighbours.database import TimestampMixin, string_enum, utcnow
from neighbours.extensions import db


class JoinPolicy(enum.StrEnum):
    OPEN = "open"
    APPROVAL = "approval"
    INVITE = "invite"


class Role(enum.StrEnum):
    MEMBER = "member"
    HOST = "host"
    MODERATOR = "moderator"


# The roles that may host a canteen: `add_host` gives members the `host` role, moderators keep
# theirs. Hosting also needs an appointment (`meals.policies.current_hosts`).
HOSTING_ROLES = (Role.HOST, Role.MODERATOR)


class MembershipStatus(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    DECLINED = "declined"
    LEFT = "left"


class Neighbourhood(TimestampMixin, db.Model):
    __tablename__ = "neighbourhoods"
    __table_args__ = (
        Index("ix_neighbourhoods_lat_lon", "latitude", "longitude"),
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
        CheckConstraint("radius_m > 0", name="radius_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    city: Mapped[str] = mapped_column(String(80))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    radius_m: Mapped[int] = mapped_column(Integer)
    join_policy: Mapped[JoinPolicy] = mapped_column(string_enum(JoinPolicy, "join_policy"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Membership(TimestampMixin, db.Model):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("neighbourhood_id", "user_id"),
        Index("ix_memberships_user_id_status", "user_id", "status"),
        Index("ix_memberships_neighbourhood_id_status_id", "neighbourhood_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhoods.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(string_enum(Role, "membership_role"), default=Role.MEMBER)
    status: Mapped[MembershipStatus] = mapped_column(
        string_enum(MembershipStatus, "membership_status")
    )
    message: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]

    neighbourhood: Mapped[Neighbourhood] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class Invite(db.Model):
    """A single-use invitation code to a neighbourhood, with an expiry."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhoods.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(6), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    used_at: Mapped[datetime | None]


class ModerationLogEntry(db.Model):
    """One moderator action, written in the same transaction as the action itself."""

    __tablename__ = "moderation_log"
    __table_args__ = (Index("ix_moderation_log_neighbourhood_id_id", "neighbourhood_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhoods.id", ondelete="CASCADE")
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int] = mapped_column()
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()


class Suspension(db.Model):
    """A member may read but not write in a neighbourhood until `ends_at`."""

    __tablename__ = "suspensions"
    __table_args__ = (
        Index("ix_suspensions_user_id_neighbourhood_id", "user_id", "neighbourhood_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    neighbourhood_id: Mapped[int] = mapped_column(
        ForeignKey("neighbourhoods.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    ends_at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    lifted_at: Mapped[datetime | None]
