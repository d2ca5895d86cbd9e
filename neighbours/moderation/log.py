"""The moderation log: written by `record` (in neighbourhoods, below every feature that acts
as a moderator), listed here for the neighbourhood's moderators."""

from __future__ import annotations

from sqlalchemy import select

from neighbours.accounts.models import User
from neighbours.extensions import db
from neighbours.moderation.models import ModerationLogEntry
from neighbours.neighbourhoods import policies as neighbourhood_policies
from neighbours.neighbourhoods.log import record
from neighbours.pagination import Page, SortKey, paginate

__all__ = ["moderation_log", "record"]


def moderation_log(
    moderator: User, neighbourhood_id: int, *, limit: int, after: str | None
) -> Page[ModerationLogEntry]:
    """Every moderator action in the neighbourhood, newest first."""
    neighbourhood = neighbourhood_policies.get_neighbourhood(neighbourhood_id)
    neighbourhood_policies.require_moderator(moderator, neighbourhood)
    stmt = (
        select(ModerationLogEntry)
        .where(ModerationLogEntry.neighbourhood_id == neighbourhood.id)
        .options(db.joinedload(ModerationLogEntry.actor))
    )
    return paginate(
        db.session,
        stmt,
        [SortKey(ModerationLogEntry.id, desc=True)],
        lambda e: [e.id],
        limit=limit,
        after=after,
    )
