"""Housekeeping of neighbourhoods' rows (run by the job runner, `neighbours.wiring`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from neighbours.extensions import db
from neighbours.neighbourhoods.models import Invite


def prune_expired_invites(now: datetime) -> int:
    """Delete the invite codes that expired unused (a used one stays: who came in by it);
    their codes become free again."""
    result = db.session.execute(
        delete(Invite).where(Invite.used_at.is_(None), Invite.expires_at < now)
    )
    db.session.commit()
    return int(result.rowcount or 0)
