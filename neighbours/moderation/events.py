"""Moderation's live events (registered with the live layer's catalog by `neighbours.wiring`)."""

from __future__ import annotations

import marshmallow as ma

from neighbours.moderation.models import ItemStatus, TargetType
from neighbours.realtime.catalog import LiveEvent


class ModerationItemEventSchema(ma.Schema):
    id = ma.fields.Integer(required=True, metadata={"description": "the queue item"})
    neighbourhood_id = ma.fields.Integer(required=True)
    target_type = ma.fields.Enum(TargetType, by_value=True, required=True)
    target_id = ma.fields.Integer(required=True)
    status = ma.fields.Enum(ItemStatus, by_value=True, required=True)
    score = ma.fields.Integer(required=True, metadata={"description": "reports weighted by reason"})
    held_reason = ma.fields.String(allow_none=True)


EVENTS = (
    LiveEvent(
        "moderation:item",
        ModerationItemEventSchema,
        ("moderators",),
        "An item waits in the moderation queue",
        "Sent to the neighbourhood's moderators when content is reported, held by its words, "
        "or a resolved item is reopened; read it with `GET .../moderation/queue`.",
    ),
)
