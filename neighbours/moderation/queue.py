"""The review queue: one item per reported or held target, and what moderators list."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from neighbours.accounts.models import User
from neighbours.errors import Conflict
from neighbours.extensions import db
from neighbours.moderation.models import ItemStatus, ModerationItem, Report
from neighbours.moderation.targets import Target, content_statuses
from neighbours.neighbourhoods import policies as neighbourhood_policies
from neighbours.pagination import Page, SortKey, paginate
from neighbours.realtime.publish import publish
from neighbours.realtime.rooms import moderators_room
from neighbours.views import View


def item_payload(item: ModerationItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "neighbourhood_id": item.neighbourhood_id,
        "target_type": item.target_type.value,
        "target_id": item.target_id,
        "status": item.status.value,
        "score": item.score,
        "held_reason": item.held_reason,
    }


def announce(item: ModerationItem) -> None:
    """Tell the neighbourhood's moderators an item (new or reopened) waits (after commit)."""
    publish("moderation:item", item_payload(item), moderators_room(item.neighbourhood_id))


def item_for(target: Target) -> tuple[ModerationItem, bool]:
    """The queue item of a target, locked for this transaction; created if new."""
    for _ in range(2):
        item = db.session.execute(
            select(ModerationItem)
            .where(
                ModerationItem.neighbourhood_id == target.neighbourhood_id,
                ModerationItem.target_type == target.type,
                ModerationItem.target_id == target.id,
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one_or_none()
        if item is not None:
            return item, False
        try:
            with db.session.begin_nested():
                item = ModerationItem(
                    neighbourhood_id=target.neighbourhood_id,
                    target_type=target.type,
                    target_id=target.id,
                    author_id=target.author_id,
                    status=ItemStatus.PENDING,
                    score=0,
                    snapshot=target.snapshot,
                )
                db.session.add(item)
            return item, True
        except IntegrityError:
            continue  # someone created it at the same moment: lock theirs
    raise Conflict(
        _l("This moderation item changed at the same moment; please try again."),
        reason="queue_busy",
    )


def reopen(item: ModerationItem) -> None:
    """A resolved item comes back to the queue with nothing decided yet."""
    item.status = ItemStatus.PENDING
    item.score = 0
    item.auto_hidden = False
    item.decision = None
    item.decision_reason = None
    item.decided_by_id = None
    item.decided_at = None
    item.held_reason = None


@dataclass
class QueueItemView(View, row="item"):
    item: ModerationItem
    reports: list[Report] = field(default_factory=list)
    target_status: str | None = None
    reporter_count: int = 0


def queue(
    moderator: User, neighbourhood_id: int, *, status: ItemStatus, limit: int, after: str | None
) -> Page[QueueItemView]:
    """Oldest first; each with its reports, score, the content as posted and its status now."""
    neighbourhood = neighbourhood_policies.get_neighbourhood(neighbourhood_id)
    neighbourhood_policies.require_moderator(moderator, neighbourhood)
    stmt = select(ModerationItem).where(
        ModerationItem.neighbourhood_id == neighbourhood.id, ModerationItem.status == status
    )
    page = paginate(
        db.session, stmt, [SortKey(ModerationItem.id)], lambda i: [i.id], limit=limit, after=after
    )
    ids = [i.id for i in page.items]
    reports: dict[int, list[Report]] = defaultdict(list)
    if ids:
        for entry in db.session.execute(
            select(Report)
            .where(Report.item_id.in_(ids))
            .options(db.joinedload(Report.reporter))
            .order_by(Report.id)
        ).scalars():
            reports[entry.item_id].append(entry)
    statuses = content_statuses((i.target_type, i.target_id) for i in page.items)
    views = []
    for item in page.items:
        item_reports = reports.get(item.id, [])
        open_reporters = {r.reporter_id for r in item_reports if r.open}
        views.append(
            QueueItemView(
                item,
                item_reports,
                statuses.get((item.target_type, item.target_id)),
                len(open_reporters),
            )
        )
    return Page(views, page.next_cursor)
