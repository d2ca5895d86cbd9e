"""Decisions on queue items: dismiss, hide, remove, warn, suspend."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from neighbours.accounts.models import User
from neighbours.database import utcnow
from neighbours.errors import Invalid, NotFound
from neighbours.extensions import db
from neighbours.moderation.models import (
    ContentStatus,
    Decision,
    ItemStatus,
    ModerationItem,
    Report,
)
from neighbours.moderation.suspensions import suspend
from neighbours.moderation.targets import is_content, set_content_status
from neighbours.neighbourhoods import policies as neighbourhood_policies
from neighbours.neighbourhoods.log import record
from neighbours.notifications.services import notify
from neighbours.timefmt import iso

# What a decision does to the content itself: its new status, from which statuses.
CONTENT_CHANGES: dict[Decision, tuple[ContentStatus, tuple[ContentStatus, ...]]] = {
    Decision.DISMISS: (ContentStatus.PUBLISHED, (ContentStatus.HIDDEN, ContentStatus.HELD)),
    Decision.HIDE: (ContentStatus.HIDDEN, (ContentStatus.PUBLISHED, ContentStatus.HELD)),
    Decision.REMOVE: (
        ContentStatus.REMOVED,
        (ContentStatus.PUBLISHED, ContentStatus.HELD, ContentStatus.HIDDEN),
    ),
}


# What can't be hidden or removed (not content), one sentence per target type.
_NOT_CONTENT: dict[str, Any] = {
    "user": _l("A person can't be hidden or removed."),
    "meal": _l("A meal can't be hidden or removed."),
    "*": _l("This can't be hidden or removed."),
}


def _moderated_item(moderator: User, item_id: int) -> ModerationItem:
    item = db.session.get(ModerationItem, item_id)
    if item is None:
        raise NotFound()
    neighbourhood = neighbourhood_policies.get_neighbourhood(item.neighbourhood_id)
    if (
        not moderator.is_admin
        and neighbourhood_policies.active_membership(moderator, neighbourhood.id) is None
    ):
        raise NotFound()
    neighbourhood_policies.require_moderator(moderator, neighbourhood)
    return item


def decide(
    moderator: User, item_id: int, action: Decision, reason: str, suspend_days: int | None
) -> ModerationItem:
    """Apply a moderator's decision; it is logged, the author told, the reports closed.

    Decisions can follow one another on the same item (remove, then suspend its author).
    """
    item = _moderated_item(moderator, item_id)
    db.session.execute(
        select(ModerationItem.id).where(ModerationItem.id == item.id).with_for_update()
    )
    if action in (Decision.HIDE, Decision.REMOVE) and not is_content(item.target_type):
        message = _NOT_CONTENT.get(item.target_type.value, _NOT_CONTENT["*"])
        raise Invalid("action", message, reason="not_content")
    if action == Decision.SUSPEND and not suspend_days:
        raise Invalid("suspend_days", _l("How many days (1 to 365)?"), reason="required")
    if action in (Decision.WARN, Decision.SUSPEND) and item.author_id is None:
        raise Invalid(
            "action", _l("This content has no author to warn or suspend."), reason="no_author"
        )
    now = utcnow()
    details: dict[str, Any] = {"item_id": item.id}
    if action in CONTENT_CHANGES:
        status, only_from = CONTENT_CHANGES[action]
        set_content_status(item.target_type, item.target_id, status, only_from=only_from)
    elif action == Decision.SUSPEND:
        assert suspend_days is not None and item.author_id is not None
        ends_at = suspend(
            moderator, item.neighbourhood_id, item.author_id, suspend_days, reason, now=now
        )
        details.update(suspend_days=suspend_days, ends_at=iso(ends_at))
    item.status = ItemStatus.RESOLVED
    item.decision = action
    item.decision_reason = reason
    item.decided_by_id = moderator.id
    item.decided_at = now
    db.session.execute(
        update(Report).where(Report.item_id == item.id, Report.open.is_(True)).values(open=False)
    )
    record(
        moderator,
        item.neighbourhood_id,
        action.value,
        item.target_type.value,
        item.target_id,
        reason,
        **details,
    )
    if action != Decision.DISMISS and item.author_id is not None:
        notify(
            item.author_id,
            "moderation_decision",
            {
                "action": action.value,
                "reason": reason,
                "target_type": item.target_type.value,
                "target_id": item.target_id,
                "neighbourhood_id": item.neighbourhood_id,
                "neighbourhood_name": neighbourhood_policies.get_neighbourhood(
                    item.neighbourhood_id
                ).name,
                **({"suspended_until": details["ends_at"]} if "ends_at" in details else {}),
            },
        )
    db.session.commit()
    return item
