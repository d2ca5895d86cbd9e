"""Notification schemas."""

import marshmallow as ma

from neighbours.accounts.schemas import BadgesSchema
from neighbours.fields import UTCDateTime, row_id
from neighbours.pagination import PageArgs, page_schema


class NotificationSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    type = ma.fields.String(dump_only=True)
    payload = ma.fields.Dict(dump_only=True)
    created_at = UTCDateTime(dump_only=True)
    read_at = UTCDateTime(dump_only=True, allow_none=True)


NotificationPageSchema = page_schema(NotificationSchema, "NotificationPage")


class NotificationListArgs(PageArgs):
    unread = ma.fields.Boolean(load_default=False)


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
            raise ma.ValidationError("Give `ids` or `all: true`.", field_name="ids")


class MarkReadResultSchema(ma.Schema):
    updated = ma.fields.Integer()


notification_schema = NotificationSchema()

__all__ = [
    "BadgesSchema",  # the `badges:updated` payload, declared by accounts for `/me`
    "MarkReadResultSchema",
    "MarkReadSchema",
    "NotificationListArgs",
    "NotificationPageSchema",
    "NotificationSchema",
    "notification_schema",
]
