"""What the daily limits count in messages (moderation's limits ask, see `limits.Counter`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from neighbours.extensions import db
from neighbours.messages.models import Conversation, Message
from neighbours.moderation.limits import Counter


def conversations_started(user_id: int) -> Counter:
    def count(since: datetime) -> tuple[int, datetime | None]:
        found, oldest = db.session.execute(
            select(func.count(), func.min(Conversation.created_at)).where(
                Conversation.created_by_id == user_id, Conversation.created_at > since
            )
        ).one()
        return found, oldest

    return count


def messages_sent(user_id: int) -> Counter:
    def count(since: datetime) -> tuple[int, datetime | None]:
        found, oldest = db.session.execute(
            select(func.count(), func.min(Message.created_at)).where(
                Message.author_id == user_id, Message.created_at > since
            )
        ).one()
        return found, oldest

    return count
