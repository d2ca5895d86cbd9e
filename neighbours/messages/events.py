"""Messages' live events (registered with the live layer's catalog by `neighbours.wiring`)."""

from __future__ import annotations

import marshmallow as ma

from neighbours.messages.schemas import ConversationSchema, MessageSchema
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
        "devices), once the message is stored. The message is the same for every reader; "
        "the conversation's `unread_count` is not in it: `badges:updated` brings the totals, "
        "`GET /conversations/{id}` the count of one conversation.",
    ),
    LiveEvent(
        "conversation:joined",
        ConversationSchema,
        ("user",),
        "I was added to a conversation",
        "Sent to the user room of each person added to a conversation: the other "
        "participants of a new one, someone back in a direct conversation they had left, "
        "and the hosts and confirmed diners added to a meal's conversation. The "
        "conversation as `GET /conversations` lists it for that person (its `unread_count` "
        "is theirs). Replayed as the conversation is when replayed (the log keeps only its "
        "id: its participants and last message as `GET /conversations` shows them then), and "
        "not at all once the person has left it; a later joining of the same conversation "
        "takes the place of an earlier one.",
    ),
)
