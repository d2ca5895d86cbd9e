"""The notifications section of an account's export (registered by `neighbours.wiring`)."""

from __future__ import annotations

from typing import Any

from neighbours.accounts.export import dump_rows
from neighbours.accounts.models import User
from neighbours.notifications.models import Notification


def export_section(user: User) -> dict[str, Any]:
    return {
        "notifications": dump_rows(
            Notification,
            ["id", "type", "payload", "created_at", "read_at"],
            Notification.user_id == user.id,
        )
    }
