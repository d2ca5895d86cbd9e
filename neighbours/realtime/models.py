"""The event log: every live event, written in the transaction that causes it.

Owned by the live layer (it knows no feature): a row is an event's name, its payload (a JSON
object, sent with its `event_id` added) and the rooms it went to. Ids increase in commit order
(see `eventlog`), so "everything after id N" is a well-defined catch-up.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Identity, Index, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from neighbours.database import Base, utcnow

# BIGINT on PostgreSQL; SQLite only autoincrements an INTEGER PRIMARY KEY.
EventId = BigInteger().with_variant(Integer(), "sqlite")
# JSONB on PostgreSQL: a replay asks "any of these rooms" (`?|`), served by a GIN index.
RoomList = JSON().with_variant(JSONB(), "postgresql")


class LoggedEvent(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(EventId, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    payload: Mapped[Any] = mapped_column(JSON)
    rooms: Mapped[list[str]] = mapped_column(RoomList)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # What the event is about ("post:6", "post:6/comment:9"): a later event about the same
    # subject redacts the earlier ones, and a removal redacts those about its parts too, so
    # that a replay never gives back text that was edited away or removed.
    subject: Mapped[str | None] = mapped_column(String(80), index=True)
    # The subject's first part ("post:6" of "post:6/comment:9"): a removal redacts what is
    # about the thing and its parts through this index (a LIKE on `subject` would scan).
    topic: Mapped[str | None] = mapped_column(String(80), index=True)
    # Whose words or name the payload carries: redacted when their account is deleted.
    author_id: Mapped[int | None] = mapped_column(index=True)

    __table_args__ = (Index("ix_events_rooms", "rooms", postgresql_using="gin"),)
