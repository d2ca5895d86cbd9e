"""The messages' sections of an account's export (registered by `neighbours.wiring`)."""

from __future__ import annotations

from typing import Any

from neighbours.accounts.export import dump_rows
from neighbours.accounts.models import User
from neighbours.messages.models import Message, Participant


def export_section(user: User) -> dict[str, Any]:
    return {
        "conversations": dump_rows(
            Participant,
            ["conversation_id", "joined_at", "left_at", "last_read_message_id"],
            Participant.user_id == user.id,
        ),
        "messages": dump_rows(
            Message,
            ["id", "conversation_id", "body", "status", "created_at"],
            Message.author_id == user.id,
        ),
    }
