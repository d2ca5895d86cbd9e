"""Creating, listing and reading notifications."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select, update

from neighbours.accounts import badges
from neighbours.accounts.models import User
from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.notifications.models import Notification
from neighbours.notifications.people import stored
from neighbours.notifications.schemas import dump_notification, dump_notifications
from neighbours.notifications.types import NotificationType
from neighbours.pagination import Page, SortKey, paginate
from neighbours.realtime.publish import publish
from neighbours.realtime.rooms import user_room

CREATED = "notification:created"


def notify(
    user_id: int,
    type_: NotificationType | str,
    payload: dict[str, Any],
    *,
    log_subject: str | None = None,
) -> Notification:
    """Store a notification in the caller's transaction (its `actor` by id only: reads show
    the person as they are then); it is pushed live after commit, its `text` in the
    recipient's language (`live_language`)."""
    type_ = NotificationType(type_)
    notification = Notification(
        user_id=user_id, type=type_.value, payload=stored(payload), created_at=utcnow()
    )
    db.session.add(notification)
    db.session.flush()
    with force_locale(live_language(db.session.get(User, user_id))):
        data = dump_notification(notification)
    publish(
        CREATED,
        data,
        user_room(user_id),
        # Filed under what it quotes, when it quotes content that may be taken away.
        subject=log_subject or f"notification:{notification.id}",
        # The log keeps its id: a replay renders it as the API shows it then (the actor as
        # they are named now, or gone with their account; the reader's language).
        log_payload={"notification_id": notification.id},
    )
    badges.changed([user_id])
    return notification


def replayed(reader_id: int, stored_payloads: list[Any]) -> list[dict[str, Any] | None]:
    """The reader's notifications as `GET /notifications` shows them now, in their live
    language; None for one that is not theirs or is gone."""
    wanted = [p.get("notification_id") if isinstance(p, dict) else None for p in stored_payloads]
    ids = {i for i in wanted if isinstance(i, int)}
    if not ids:
        return [None] * len(wanted)
    found = db.session.scalars(
        select(Notification).where(Notification.id.in_(ids), Notification.user_id == reader_id)
    ).all()
    with force_locale(live_language(db.session.get(User, reader_id))):
        views = dict(zip([n.id for n in found], dump_notifications(list(found)), strict=True))
    return [views.get(i) if isinstance(i, int) else None for i in wanted]


def drop_conversation_previews(conversation_id: int) -> int:
    """Empty the `preview` of the `new_conversation` notifications of a conversation (its
    first message was taken away by a moderator: the notification must not quote it)."""
    found = db.session.scalars(
        select(Notification).where(
            Notification.type == NotificationType.NEW_CONVERSATION.value,
            Notification.payload["conversation_id"].as_integer() == conversation_id,
        )
    ).all()
    for notification in found:
        notification.payload = {**notification.payload, "preview": ""}
    return len(found)


def live_language(user: User | None) -> str:
    """The language of a live text for this person, who is not the caller: their `locale`,
    else the language their client last asked for (`last_language`), else `DEFAULT_LOCALE`."""
    chosen = (user.locale or user.last_language) if user is not None else None
    return chosen or current_app.config.get("DEFAULT_LOCALE", "en")


def unread_counts(user_ids: list[int]) -> dict[int, int]:
    """The `unread_notifications` badge of several people, in one query."""
    return dict(
        db.session.execute(
            select(Notification.user_id, func.count())
            .where(Notification.user_id.in_(user_ids), Notification.read_at.is_(None))
            .group_by(Notification.user_id)
        ).all()
    )


def list_notifications(
    user: User, *, unread: bool, limit: int, after: str | None
) -> Page[Notification]:
    """Newest first."""
    stmt = select(Notification).where(Notification.user_id == user.id)
    if unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    return paginate(
        db.session,
        stmt,
        [SortKey(Notification.id, desc=True)],
        lambda n: [n.id],
        limit=limit,
        after=after,
    )


def mark_read(user: User, *, ids: list[int] | None, all_: bool) -> int:
    """Mark some or all of the caller's notifications read; others' ids are ignored."""
    stmt = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if not all_:
        stmt = stmt.where(Notification.id.in_(ids or []))
    result = db.session.execute(stmt.values(read_at=utcnow()))
    if result.rowcount:
        badges.changed([user.id])
    db.session.commit()
    return result.rowcount
