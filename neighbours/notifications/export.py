"""The notifications section of an account's export (registered by `neighbours.wiring`)."""

from __future__ import annotations

from typing import Any

from neighbours.accounts.export import dump_rows
from neighbours.accounts.models import User
from neighbours.notifications.models import Notification
from neighbours.notifications.people import with_actors
from neighbours.notifications.settings import settings_of
from neighbours.notifications.types import normalized


def export_section(user: User) -> dict[str, Any]:
    """The caller's notifications, the other person in each as they are now (one query), and
    their notification settings."""
    rows = dump_rows(
        Notification,
        ["id", "type", "payload", "created_at", "read_at"],
        Notification.user_id == user.id,
    )
    payloads = with_actors([normalized(row["type"], row["payload"]) for row in rows])
    return {
        "notifications": [
            {**row, "payload": payload} for row, payload in zip(rows, payloads, strict=True)
        ],
        "notification_settings": settings_of(user),
    }
