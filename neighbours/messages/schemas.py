"""Conversation and message schemas."""

from __future__ import annotations

import marshmallow as ma
from flask_babel import lazy_gettext as _l

from neighbours.accounts.schemas import PersonSchema, TrimmedSchema
from neighbours.errors import FieldError
from neighbours.fields import UTCDateTime, row_id
from neighbours.messages.models import ConversationKind
from neighbours.moderation.models import ContentStatus
from neighbours.pagination import PageArgs, cursor_field, page_schema


class MessageSchema(ma.Schema):
    id = ma.fields.Integer()
    conversation_id = ma.fields.Integer()
    author = ma.fields.Nested(PersonSchema)
    body = ma.fields.Method(
        "_body", allow_none=True, metadata={"description": "null once a moderator hid it"}
    )
    status = ma.fields.Enum(ContentStatus, by_value=True)
    created_at = UTCDateTime()

    def _body(self, message: object) -> str | None:
        status = getattr(message, "status", ContentStatus.PUBLISHED)
        return message.body if status == ContentStatus.PUBLISHED else None  # type: ignore[attr-defined]


class ConversationSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.Enum(ConversationKind, by_value=True)
    title = ma.fields.String(allow_none=True)
    neighbourhood_id = ma.fields.Integer()
    meal_id = ma.fields.Integer(allow_none=True)
    participants = ma.fields.List(ma.fields.Nested(PersonSchema))
    last_message = ma.fields.Nested(MessageSchema, allow_none=True)
    unread_count = ma.fields.Integer()
    created_at = UTCDateTime()
    last_activity_at = UTCDateTime()


ConversationPageSchema = page_schema(ConversationSchema, "ConversationPage")


class ConversationCreateSchema(TrimmedSchema):
    participant_ids = ma.fields.List(
        row_id(),
        required=True,
        validate=ma.validate.Length(min=1, max=20),
    )
    title = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(min=1, max=120)
    )


class MessageCreateSchema(ma.Schema):
    body = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))

    @ma.validates("body")
    def _not_blank(self, value: str, **_kwargs: object) -> None:
        if not value.strip():
            raise ma.ValidationError([FieldError("blank_message", _l("A message can't be blank."))])


class MessageListArgs(PageArgs):
    before = cursor_field("older than this: a page's `prev_cursor`")
    latest = ma.fields.Boolean(load_default=False, metadata={"description": "the newest page"})

    @ma.validates_schema
    def _one_direction(self, data: dict, **_kwargs: object) -> None:
        if sum(bool(data.get(k)) for k in ("after", "before", "latest")) > 1:
            raise ma.ValidationError(
                [FieldError("one_direction", _l("Use one of after, before, latest."))],
                field_name="before",
            )


class MessagePageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(MessageSchema))
    conversation = ma.fields.Nested(
        ConversationSchema,
        allow_none=True,
        metadata={
            "description": "The conversation (participants, unread count) on a page asked for "
            "without `after` or `before`, so that the screen needs one request; null otherwise."
        },
    )
    next_cursor = ma.fields.String(allow_none=True, metadata={"description": "newer messages"})
    prev_cursor = ma.fields.String(allow_none=True, metadata={"description": "older messages"})
    latest_cursor = ma.fields.String(
        allow_none=True,
        metadata={"description": "pass as `after` later to fetch what arrived since this page"},
    )


class ReadSchema(ma.Schema):
    up_to_message_id = row_id(required=True)


class ReadResultSchema(ma.Schema):
    conversation_id = ma.fields.Integer()
    last_read_message_id = ma.fields.Integer()
    unread_count = ma.fields.Integer()


message_schema = MessageSchema()
conversation_schema = ConversationSchema()
