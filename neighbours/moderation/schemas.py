"""Moderation schemas."""

from __future__ import annotations

import marshmallow as ma

from neighbours.accounts.schemas import PersonSchema, TrimmedSchema
from neighbours.fields import UTCDateTime, row_id
from neighbours.moderation.models import Decision, ItemStatus, ReportReason, TargetType
from neighbours.pagination import PageArgs, page_schema


class ReportCreateSchema(TrimmedSchema):
    target_type = ma.fields.Enum(TargetType, by_value=True, required=True)
    target_id = row_id(required=True, strict=True)
    reason = ma.fields.Enum(ReportReason, by_value=True, required=True)
    details = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=2000)
    )


class ReportSchema(ma.Schema):
    id = ma.fields.Integer()
    item_id = ma.fields.Integer()
    target_type = ma.fields.Enum(TargetType, by_value=True)
    target_id = ma.fields.Integer()
    reason = ma.fields.Enum(ReportReason, by_value=True)
    details = ma.fields.String(allow_none=True)
    open = ma.fields.Boolean()
    created_at = UTCDateTime()


class QueueReportSchema(ReportSchema):
    reporter = ma.fields.Nested(PersonSchema)


class ContentSnapshotSchema(ma.Schema):
    """What the queue shows of a target, as first reported or held: the fields its kind has
    (post: title, body, category, author, created_at; comment: body, post_id, author,
    created_at; message: body, conversation_id, author, created_at; meal: title, menu,
    starts_at; user: display_name, bio, avatar_url)."""

    title = ma.fields.String()
    body = ma.fields.String()
    menu = ma.fields.String(allow_none=True)
    category = ma.fields.String()
    author = ma.fields.Nested(PersonSchema, allow_none=True)
    post_id = ma.fields.Integer()
    conversation_id = ma.fields.Integer()
    starts_at = ma.fields.String(metadata={"format": "date-time"})
    created_at = ma.fields.String(metadata={"format": "date-time"})
    display_name = ma.fields.String()
    bio = ma.fields.String(allow_none=True)
    avatar_url = ma.fields.String(allow_none=True)


class LogDetailsSchema(ma.Schema):
    """What a log entry adds, by action: a decision's `item_id` (and a suspension's
    `suspend_days`, `ends_at`); a role change's `previous` and `role`; a settings change's
    `changed` (the names of the settings)."""

    item_id = ma.fields.Integer()
    suspend_days = ma.fields.Integer()
    ends_at = ma.fields.String(metadata={"format": "date-time"})
    previous = ma.fields.String()
    role = ma.fields.String()
    changed = ma.fields.List(ma.fields.String())


class QueueItemSchema(ma.Schema):
    id = ma.fields.Integer()
    neighbourhood_id = ma.fields.Integer()
    target_type = ma.fields.Enum(TargetType, by_value=True)
    target_id = ma.fields.Integer()
    author_id = ma.fields.Integer(allow_none=True)
    status = ma.fields.Enum(ItemStatus, by_value=True)
    score = ma.fields.Integer(metadata={"description": "reports weighted by reason"})
    reporter_count = ma.fields.Integer(metadata={"description": "distinct open reporters"})
    content = ma.fields.Nested(
        ContentSnapshotSchema,
        attribute="snapshot",
        metadata={"description": "the content as first reported or held"},
    )
    target_status = ma.fields.String(
        allow_none=True, metadata={"description": "published, held, hidden, removed or deleted"}
    )
    held_reason = ma.fields.String(allow_none=True)
    auto_hidden = ma.fields.Boolean()
    decision = ma.fields.Enum(Decision, by_value=True, allow_none=True)
    decision_reason = ma.fields.String(allow_none=True)
    decided_at = UTCDateTime(allow_none=True)
    reports = ma.fields.List(ma.fields.Nested(QueueReportSchema))
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


QueuePageSchema = page_schema(QueueItemSchema, "ModerationQueuePage")


class QueueArgs(PageArgs):
    status = ma.fields.Enum(ItemStatus, by_value=True, load_default=ItemStatus.PENDING)


class DecideSchema(TrimmedSchema):
    action = ma.fields.Enum(Decision, by_value=True, required=True)
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=1000))
    suspend_days = ma.fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=ma.validate.Range(min=1, max=365)
    )


class LogTargetSchema(ma.Schema):
    type = ma.fields.String(attribute="target_type")
    id = ma.fields.Integer(attribute="target_id")


class LogEntrySchema(ma.Schema):
    id = ma.fields.Integer()
    actor = ma.fields.Nested(PersonSchema, allow_none=True)
    action = ma.fields.String()
    target = ma.fields.Function(lambda e: {"type": e.target_type, "id": e.target_id})
    reason = ma.fields.String(allow_none=True)
    details = ma.fields.Nested(LogDetailsSchema)
    created_at = UTCDateTime()


LogPageSchema = page_schema(LogEntrySchema, "ModerationLogPage")


def _limit(maximum: int) -> ma.fields.Integer:
    return ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=maximum))


class SettingsSchema(ma.Schema):
    neighbourhood_id = ma.fields.Integer(dump_only=True)
    report_threshold = _limit(50)
    new_member_posts = _limit(100)
    daily_posts = _limit(1000)
    daily_comments = _limit(5000)
    daily_reports = _limit(1000)
    daily_conversations = _limit(1000)
    held_words = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=1, max=60)),
        validate=ma.validate.Length(max=500),
    )
