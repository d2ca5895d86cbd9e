"""Notification schemas: a discriminated union on `type`, one schema per type."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_babel import lazy_gettext as _l

from neighbours.accounts.schemas import BadgesSchema
from neighbours.fields import UTCDateTime, row_id
from neighbours.i18n import template
from neighbours.notifications.models import Notification
from neighbours.notifications.people import with_actors
from neighbours.notifications.types import PAYLOADS, NotificationType, normalized, text
from neighbours.pagination import PageArgs
from neighbours.unions import OneOf


def _variant(type_: NotificationType, payload: type[ma.Schema]) -> type[ma.Schema]:
    camel = "".join(part.title() for part in type_.value.split("_"))
    return type(
        f"{camel}NotificationSchema",
        (ma.Schema,),
        {
            "id": ma.fields.Integer(required=True),
            "type": ma.fields.String(required=True, validate=ma.validate.OneOf([type_.value])),
            "payload": ma.fields.Nested(payload, required=True),
            "text": ma.fields.String(
                required=True, metadata={"description": "one sentence, in the reader's language"}
            ),
            "created_at": UTCDateTime(required=True),
            "read_at": UTCDateTime(required=True, allow_none=True),
        },
    )


VARIANTS = {type_.value: _variant(type_, payload) for type_, payload in PAYLOADS.items()}


def notification_field(**kwargs: Any) -> OneOf:
    """A notification: one of the `VARIANTS`, told apart by `type`."""
    return OneOf(VARIANTS, discriminator="type", component="Notification", **kwargs)


def notification_views(notifications: list[Notification]) -> list[dict[str, Any]]:
    """Notifications with their payload in today's vocabulary, the other person as they are
    now (one query for them all) and the sentence in the current locale, ready for their
    type's schema."""
    payloads = with_actors([normalized(n.type, n.payload) for n in notifications])
    return [
        {
            "id": notification.id,
            "type": notification.type,
            "payload": payload,
            "text": text(notification.type, payload),
            "created_at": notification.created_at,
            "read_at": notification.read_at,
        }
        for notification, payload in zip(notifications, payloads, strict=True)
    ]


def dump_notification(notification: Notification) -> dict[str, Any]:
    [dumped] = dump_notifications([notification])
    return dumped


def dump_notifications(notifications: list[Notification]) -> list[dict[str, Any]]:
    """Several at once (their actors in one query), in the order given."""
    views = notification_views(notifications)
    return [VARIANTS[n.type]().dump(v) for n, v in zip(notifications, views, strict=True)]


class NotificationPageSchema(ma.Schema):
    items = ma.fields.List(notification_field())
    next_cursor = ma.fields.String(allow_none=True)

    @ma.pre_dump
    def _views(self, page: Any, **_kwargs: Any) -> dict[str, Any]:
        return {
            "items": notification_views(list(page.items)),
            "next_cursor": page.next_cursor,
        }


class NotificationListArgs(PageArgs):
    unread = ma.fields.Boolean(load_default=False)


_IDS_OR_ALL = template("required", _l("Give `ids` or `all: true`."))


class MarkReadSchema(ma.Schema):
    """Give `ids` (1 to 500 of your notifications) or `all: true`; one of the two is needed."""

    ids = ma.fields.List(
        row_id(),
        validate=ma.validate.Length(min=1, max=500),
        metadata={"description": "these notifications; needed unless `all` is true"},
    )
    all = ma.fields.Boolean(metadata={"description": "true: all of them; needed without `ids`"})

    @ma.validates_schema
    def _one_of(self, data: dict, **_kwargs: object) -> None:
        if not data.get("ids") and not data.get("all"):
            raise ma.ValidationError(_IDS_OR_ALL, field_name="ids")


class MarkReadResultSchema(ma.Schema):
    updated = ma.fields.Integer()


class _Switch(ma.fields.Boolean):
    """A switch: JSON `true` or `false` and nothing else (no "yes", no 1)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def _switch(required: bool, description: str) -> ma.fields.Boolean:
    return _Switch(required=required, metadata={"description": description})


def _reminder_switches(required: bool) -> type[ma.Schema]:
    return type(
        "ReminderSettingsSchema" if required else "ReminderSettingsPatchSchema",
        (ma.Schema,),
        {
            "diner": _switch(required, "a confirmed seat: reminded before the meal"),
            "kitchen": _switch(required, "a place in the kitchen: reminded before cooking"),
            "waitlist": _switch(required, "still waitlisted as the meal nears: told so"),
        },
    )


def _settings_schema(required: bool) -> type[ma.Schema]:
    return type(
        "NotificationSettingsSchema" if required else "NotificationSettingsPatchSchema",
        (ma.Schema,),
        {
            "__doc__": "Which reminders, briefs and digests I get; new keys may be added "
            "(keep what you don't know, send only what you change).",
            "reminders": ma.fields.Nested(_reminder_switches(required), required=required),
            "morning_brief": _switch(
                required, "hosts: the day's numbers of each meal I host, in the morning"
            ),
            "free_seats_digest": _switch(
                required, "at 20:00, the meals of tonight and tomorrow that still have seats"
            ),
        },
    )


NotificationSettingsSchema = _settings_schema(required=True)
NotificationSettingsPatchSchema = _settings_schema(required=False)


__all__ = [
    "BadgesSchema",  # the `badges:updated` payload, declared by accounts for `/me`
    "MarkReadResultSchema",
    "MarkReadSchema",
    "NotificationListArgs",
    "NotificationPageSchema",
    "NotificationSettingsPatchSchema",
    "NotificationSettingsSchema",
    "dump_notification",
]
