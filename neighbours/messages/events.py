"""Messages' live events (registered with the live layer's catalog by `neighbours.wiring`)."""

from __future__ import annotations

import marshmallow as ma

from neighbours.messages.schemas import MessageSchema
from neighbours.realtime.catalog import LiveEvent


class MessageCreatedSchema(ma.Schema):
    conversation_id = ma.fields.Integer(required=True)
    message = ma.fields.Nested(MessageSchema, required=True)


EVENTS = (
    LiveEvent(
        "message:created",
        MessageCreatedSchema,
        ("user",),
        "A message was sent in one of my conversations",
        "Sent to every participant of the conversation, the author included (their other "
        "devices), once the message is stored.",
    ),
)
