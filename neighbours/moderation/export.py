"""The reports section of an account's export (registered by `neighbours.wiring`)."""

from __future__ import annotations

from typing import Any

from neighbours.accounts.export import dump_rows
from neighbours.accounts.models import User
from neighbours.moderation.models import Report


def export_section(user: User) -> dict[str, Any]:
    return {
        "reports": dump_rows(
            Report,
            ["id", "target_type", "target_id", "reason", "details", "open", "created_at"],
            Report.reporter_id == user.id,
        )
    }
