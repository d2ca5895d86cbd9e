"""Reports, the review queue, decisions, suspensions, settings and the log."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from neighbours.accounts.models import User
from neighbours.database import utcnow
from neighbours.errors import Conflict, Invalid, NotFound
from neighbours.extensions import db
from neighbours.feed.models import Comment, ContentStatus, Post
from neighbours.messages.models import Message
from neighbours.moderation import limits
from neighbours.moderation.log import record
from neighbours.moderation.models import (
    Decision,
    ItemStatus,
    ModerationItem,
    ModerationLogEntry,
    ModerationSettings,
    Report,
    ReportReason,
    Suspension,
    TargetType,
)
from neighbours.neighbourhoods import policies as neighbourhood_policies
from neighbours.neighbourhoods.models import Membership, MembershipStatus
from neighbours.notifications.services import notify
from neighbours.pagination import Page, SortKey, paginate
from neighbours.realtime.publish import publish, publish_membership_change
from neighbours.realtime.rooms import moderators_room

REASON_WEIGHT = {
    ReportReason.SPAM: 1,
    ReportReason.INAPPROPRIATE: 1,
    ReportReason.OTHER: 1,
    ReportReason.HARASSMENT: 2,
    ReportReason.ILLEGAL: 3,
}
CONTENT_TYPES = (TargetType.POST, TargetType.COMMENT, TargetType.MESSAGE)
# What a decision does to the content itself: its new status, from which statuses.
CONTENT_CHANGES: dict[Decision, tuple[ContentStatus, tuple[ContentStatus, ...]]] = {
    Decision.DISMISS: (ContentStatus.PUBLISHED, (ContentStatus.HIDDEN, ContentStatus.HELD)),
    Decision.HIDE: (ContentStatus.HIDDEN, (ContentStatus.PUBLISHED, ContentStatus.HELD)),
    Decision.REMOVE: (
        ContentStatus.REMOVED,
        (ContentStatus.PUBLISHED, ContentStatus.HELD, ContentStatus.HIDDEN),
    ),
}
_CONTENT_MODELS: dict[TargetType, Any] = {
    TargetType.POST: Post,
    TargetType.COMMENT: Comment,
    TargetType.MESSAGE: Message,
}


@dataclass
class Target:
    type: TargetType
    id: int
    neighbourhood_id: int
    author_id: int | None
    snapshot: dict[str, Any]
    content: Any = None  # the Post, Comment or Message row, for the content types


def _person(user: User | None) -> dict[str, Any] | None:
    return {"id": user.id, "display_name": user.display_name} if user else None


def resolve_target(user: User, target_type: TargetType, target_id: int) -> Target:
    """The target as the reporter can see it; 404 for what they can't see."""
    if target_type == TargetType.POST:
        from neighbours.feed.policies import visible_post

        post = visible_post(user, target_id)
        return Target(
            target_type,
            post.id,
            post.neighbourhood_id,
            post.author_id,
            {
                "title": post.title,
                "body": post.body,
                "category": post.category.value,
                "author": _person(post.author),
                "created_at": _iso(post.created_at),
            },
            post,
        )
    if target_type == TargetType.COMMENT:
        from neighbours.feed.policies import visible_comment

        comment = visible_comment(user, target_id)
        return Target(
            target_type,
            comment.id,
            comment.post.neighbourhood_id,
            comment.author_id,
            {
                "body": comment.body,
                "post_id": comment.post_id,
                "author": _person(comment.author),
                "created_at": _iso(comment.created_at),
            },
            comment,
        )
    if target_type == TargetType.MESSAGE:
        from neighbours.messages.policies import participation

        message = db.session.get(Message, target_id)
        if message is None:
            raise NotFound()
        conversation, _ = participation(user, message.conversation_id)
        return Target(
            target_type,
            message.id,
            conversation.neighbourhood_id,
            message.author_id,
            {
                "body": message.body,
                "conversation_id": conversation.id,
                "author": _person(message.author),
                "created_at": _iso(message.created_at),
            },
            message,
        )
    if target_type == TargetType.USER:
        from neighbours.accounts.services import visible_user

        person = visible_user(user, target_id)
        shared = db.session.execute(
            select(func.min(Membership.neighbourhood_id)).where(
                Membership.user_id == person.id,
                Membership.status == MembershipStatus.ACTIVE,
                Membership.neighbourhood_id.in_(
                    neighbourhood_policies.active_neighbourhood_ids(user.id)
                ),
            )
        ).scalar_one_or_none()
        if shared is None:
            raise NotFound()
        return Target(
            target_type,
            person.id,
            shared,
            person.id,
            {
                "display_name": person.display_name,
                "bio": person.bio,
                "avatar_url": person.avatar_url,
            },
        )
    from neighbours.meals.policies import visible_meal

    meal = visible_meal(user, target_id)
    return Target(
        target_type,
        meal.id,
        meal.neighbourhood_id,
        meal.created_by_id,
        {"title": meal.title, "menu": meal.menu, "starts_at": _iso(meal.starts_at)},
    )


def _iso(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _item_payload(item: ModerationItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "neighbourhood_id": item.neighbourhood_id,
        "target_type": item.target_type.value,
        "target_id": item.target_id,
        "status": item.status.value,
        "score": item.score,
        "held_reason": item.held_reason,
    }


def _item_for(target: Target) -> tuple[ModerationItem, bool]:
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
    raise Conflict("Please try again.")


def _set_content_status(
    target_type: TargetType,
    target_id: int,
    status: ContentStatus,
    *,
    only_from: tuple[ContentStatus, ...] | None = None,
) -> bool:
    model = _CONTENT_MODELS.get(target_type)
    if model is None:
        return False
    stmt = update(model).where(model.id == target_id)
    if only_from is not None:
        stmt = stmt.where(model.status.in_(only_from))
    changed = db.session.execute(
        stmt.values(status=status).execution_options(synchronize_session="fetch")
    ).rowcount
    if changed and target_type == TargetType.POST:
        from neighbours.feed.services import broadcast_post

        post = db.session.get(Post, target_id)
        if post is not None:
            broadcast_post(post, visible=status == ContentStatus.PUBLISHED)
    return bool(changed)


def report(
    user: User, target_type: TargetType, target_id: int, reason: ReportReason, details: str | None
) -> Report:
    """Report something; enough distinct reporters hide it at once, pending review."""
    target = resolve_target(user, target_type, target_id)
    if target.author_id == user.id:
        raise Invalid("target_id", "You can't report your own content or yourself.")
    limits.check_report(user, target.neighbourhood_id)
    item, created = _item_for(target)
    reopened = False
    if item.status == ItemStatus.RESOLVED:
        _reopen(item)  # reported now, not held
        item.snapshot = target.snapshot
        reopened = True
    duplicate = db.session.execute(
        select(Report.id).where(
            Report.item_id == item.id, Report.reporter_id == user.id, Report.open.is_(True)
        )
    ).first()
    if duplicate:
        raise Conflict("You have already reported this; moderators will look at it.")
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
    hide = reporters >= threshold and target.type in CONTENT_TYPES and not item.auto_hidden
    if hide and _set_content_status(
        target.type, target.id, ContentStatus.HIDDEN, only_from=(ContentStatus.PUBLISHED,)
    ):
        item.auto_hidden = True
    if created or reopened:
        publish("moderation:item", _item_payload(item), moderators_room(item.neighbourhood_id))
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


def _content_target(content: Post | Comment) -> tuple[Target, tuple[str, ...]]:
    """A post or comment as a queue target, with the texts held words are looked for in."""
    if isinstance(content, Post):
        snapshot = {
            "title": content.title,
            "body": content.body,
            "category": content.category.value,
            "author": _person(content.author),
            "created_at": _iso(content.created_at),
        }
        target = Target(
            TargetType.POST,
            content.id,
            content.neighbourhood_id,
            content.author_id,
            snapshot,
            content,
        )
        return target, (content.title, content.body)
    snapshot = {
        "body": content.body,
        "post_id": content.post_id,
        "author": _person(content.author),
        "created_at": _iso(content.created_at),
    }
    target = Target(
        TargetType.COMMENT,
        content.id,
        content.post.neighbourhood_id,
        content.author_id,
        snapshot,
        content,
    )
    return target, (content.body,)


def screen(content: Post | Comment) -> bool:
    """Held words, for every write of a post's or comment's text: new and edited alike.

    The one place held words are applied (`feed.services` calls it after each create and
    edit, once the row is flushed). Published content with a held word becomes `held`: only
    its author and the moderators see it, and it waits in the queue (a new item, a resolved one
    reopened, or the pending one it already has, now showing the held text) until a moderator
    decides. Returns whether the content is held; content that is not published is left as it
    is (a held post stays held when the word is edited out: a moderator decides).
    """
    if content.status != ContentStatus.PUBLISHED:
        return content.status == ContentStatus.HELD
    target, texts = _content_target(content)
    if held_word(target.neighbourhood_id, *texts) is None:
        return False
    content.status = ContentStatus.HELD
    item, created = _item_for(target)
    reopened = not created and item.status == ItemStatus.RESOLVED
    if reopened:
        _reopen(item)
    item.snapshot = target.snapshot
    item.held_reason = "held_word"
    db.session.flush()
    if created or reopened:
        publish("moderation:item", _item_payload(item), moderators_room(item.neighbourhood_id))
    return True


def _reopen(item: ModerationItem) -> None:
    """A resolved item comes back to the queue with nothing decided yet."""
    item.status = ItemStatus.PENDING
    item.score = 0
    item.auto_hidden = False
    item.decision = None
    item.decision_reason = None
    item.decided_by_id = None
    item.decided_at = None
    item.held_reason = None


def held_word(neighbourhood_id: int, *texts: str) -> str | None:
    """The first of the neighbourhood's held words found in the texts, as a whole word."""
    settings = db.session.get(ModerationSettings, neighbourhood_id)
    words = [w for w in (settings.held_words if settings else []) if w.strip()]
    for word in words:
        pattern = re.compile(rf"(?<!\w){re.escape(word.strip())}(?!\w)", re.IGNORECASE)
        if any(pattern.search(t or "") for t in texts):
            return word
    return None


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
    is_content = item.target_type in CONTENT_TYPES
    if action in (Decision.HIDE, Decision.REMOVE) and not is_content:
        raise Invalid("action", f"A {item.target_type.value} can't be hidden or removed.")
    if action == Decision.SUSPEND and not suspend_days:
        raise Invalid("suspend_days", "How many days (1 to 365)?")
    if action in (Decision.WARN, Decision.SUSPEND) and item.author_id is None:
        raise Invalid("action", "This content has no author to warn or suspend.")
    now = utcnow()
    details: dict[str, Any] = {"item_id": item.id}
    if action in CONTENT_CHANGES:
        status, only_from = CONTENT_CHANGES[action]
        _set_content_status(item.target_type, item.target_id, status, only_from=only_from)
    elif action == Decision.SUSPEND:
        assert suspend_days is not None and item.author_id is not None
        ends_at = now + timedelta(days=suspend_days)
        db.session.add(
            Suspension(
                neighbourhood_id=item.neighbourhood_id,
                user_id=item.author_id,
                ends_at=ends_at,
                reason=reason,
                created_by_id=moderator.id,
                created_at=now,
            )
        )
        details.update(suspend_days=suspend_days, ends_at=_iso(ends_at))
        publish_membership_change(item.author_id)  # their sockets leave the rooms
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
                **({"suspended_until": details["ends_at"]} if "ends_at" in details else {}),
            },
        )
    db.session.commit()
    return item


@dataclass
class QueueItemView:
    item: ModerationItem
    reports: list[Report] = field(default_factory=list)
    target_status: str | None = None
    reporter_count: int = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.item, name)


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
    statuses: dict[tuple[TargetType, int], str] = {}
    for target_type, model in _CONTENT_MODELS.items():
        wanted = [i.target_id for i in page.items if i.target_type == target_type]
        if wanted:
            for target_id, current in db.session.execute(
                select(model.id, model.status).where(model.id.in_(wanted))
            ).all():
                statuses[(target_type, target_id)] = current.value
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


SETTING_NAMES = (
    "report_threshold",
    "new_member_posts",
    "daily_posts",
    "daily_comments",
    "daily_reports",
    "daily_conversations",
)


def get_settings(moderator: User, neighbourhood_id: int) -> dict[str, Any]:
    neighbourhood = neighbourhood_policies.get_neighbourhood(neighbourhood_id)
    neighbourhood_policies.require_moderator(moderator, neighbourhood)
    settings = db.session.get(ModerationSettings, neighbourhood.id)
    result: dict[str, Any] = {
        name: limits.setting(neighbourhood.id, name) for name in SETTING_NAMES
    }
    result["held_words"] = list(settings.held_words) if settings else []
    result["neighbourhood_id"] = neighbourhood.id
    return result


def update_settings(
    moderator: User, neighbourhood_id: int, fields: dict[str, Any]
) -> dict[str, Any]:
    neighbourhood = neighbourhood_policies.get_neighbourhood(neighbourhood_id)
    neighbourhood_policies.require_moderator(moderator, neighbourhood)
    settings = db.session.get(ModerationSettings, neighbourhood.id)
    if settings is None:
        settings = ModerationSettings(neighbourhood_id=neighbourhood.id, held_words=[])
        db.session.add(settings)
    changed = sorted(name for name, value in fields.items() if getattr(settings, name) != value)
    for name in changed:
        setattr(settings, name, fields[name])
    if not changed:
        db.session.rollback()
        return get_settings(moderator, neighbourhood_id)
    record(
        moderator,
        neighbourhood.id,
        "update_settings",
        "neighbourhood",
        neighbourhood.id,
        None,
        changed=changed,
    )
    db.session.commit()
    return get_settings(moderator, neighbourhood_id)
