"""Reports: anyone who may see something may report it; enough reporters hide it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from neighbours.accounts.models import User
from neighbours.database import utcnow
from neighbours.errors import Conflict, Invalid
from neighbours.extensions import db
from neighbours.moderation import limits
from neighbours.moderation.models import (
    ContentStatus,
    ItemStatus,
    Report,
    ReportReason,
    Suspension,
    TargetType,
)
from neighbours.moderation.queue import announce, item_for, reopen
from neighbours.moderation.targets import is_content, resolve_target, set_content_status
from neighbours.neighbourhoods.models import Membership, MembershipStatus

REASON_WEIGHT = {
    ReportReason.SPAM: 1,
    ReportReason.INAPPROPRIATE: 1,
    ReportReason.OTHER: 1,
    ReportReason.HARASSMENT: 2,
    ReportReason.ILLEGAL: 3,
}


def report(
    user: User, target_type: TargetType, target_id: int, reason: ReportReason, details: str | None
) -> Report:
    """Report something; enough distinct reporters hide it at once, pending review."""
    target = resolve_target(user, target_type, target_id)
    if target.author_id == user.id:
        raise Invalid(
            "target_id", _l("You can't report your own content or yourself."), reason="own_content"
        )
    limits.check_report(user, target.neighbourhood_id)
    item, created = item_for(target)
    reopened = False
    if item.status == ItemStatus.RESOLVED:
        reopen(item)  # reported now, not held
        item.snapshot = target.snapshot
        reopened = True
    duplicate = db.session.execute(
        select(Report.id).where(
            Report.item_id == item.id, Report.reporter_id == user.id, Report.open.is_(True)
        )
    ).first()
    if duplicate:
        raise Conflict(
            _l("You have already reported this; moderators will look at it."),
            reason="already_reported",
        )
    entry = Report(
        item_id=item.id,
        reporter_id=user.id,
        target_type=target.type,
        target_id=target.id,
        reason=reason,
        details=details,
        open=True,
        created_at=utcnow(),
    )
    db.session.add(entry)
    item.score += REASON_WEIGHT[reason]
    db.session.flush()
    reporters = counted_reporters(item.id, target.neighbourhood_id)
    threshold = limits.setting(target.neighbourhood_id, "report_threshold")
    hide = reporters >= threshold and is_content(target.type) and not item.auto_hidden
    if hide and set_content_status(
        target.type, target.id, ContentStatus.HIDDEN, only_from=(ContentStatus.PUBLISHED,)
    ):
        item.auto_hidden = True
    if created or reopened:
        announce(item)
    db.session.commit()
    return entry


def counted_reporters(item_id: int, neighbourhood_id: int) -> int:
    """Distinct reporters of an item's open reports who may report here now.

    Only they count towards hiding content at the threshold: active members who are not
    suspended in the neighbourhood (and site admins). A suspended member's report is still
    filed and shown to the moderators, but it does not hide anything; nor does the report of
    someone suspended (or gone) after they reported, since this is counted at each new report.
    Content already hidden stays hidden until a moderator decides.
    """
    now = utcnow()
    members = select(Membership.user_id).where(
        Membership.neighbourhood_id == neighbourhood_id,
        Membership.status == MembershipStatus.ACTIVE,
    )
    admins = select(User.id).where(User.is_admin.is_(True), User.deleted_at.is_(None))
    suspended = select(Suspension.user_id).where(
        Suspension.neighbourhood_id == neighbourhood_id,
        Suspension.lifted_at.is_(None),
        Suspension.ends_at > now,
    )
    return db.session.execute(
        select(func.count(func.distinct(Report.reporter_id))).where(
            Report.item_id == item_id,
            Report.open.is_(True),
            or_(Report.reporter_id.in_(members), Report.reporter_id.in_(admins)),
            Report.reporter_id.not_in(suspended),
        )
    ).scalar_one()
