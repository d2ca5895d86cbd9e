"""Writing the moderation log: every feature's moderator actions call `record`.

It lives with the neighbourhoods feature (the lowest one whose moderators act: approvals,
role changes) so that every feature above may write to it; moderation reads it.
"""

from __future__ import annotations

from typing import Any

from neighbours.accounts.models import User
from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.neighbourhoods.models import ModerationLogEntry


def record(
    actor: User,
    neighbourhood_id: int,
    action: str,
    target_type: str,
    target_id: int,
    reason: str | None,
    **details: Any,
) -> ModerationLogEntry:
    """Add a log entry to the caller's transaction: it commits or rolls back with the action."""
    entry = ModerationLogEntry(
        neighbourhood_id=neighbourhood_id,
        actor_id=actor.id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        reason=reason,
        details=details,
        created_at=utcnow(),
    )
    db.session.add(entry)
    return entry
