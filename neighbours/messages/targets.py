"""Messages as moderation targets (registered by `neighbours.wiring`)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from neighbours.accounts.models import User
from neighbours.errors import NotFound
from neighbours.extensions import db
from neighbours.messages.models import Message
from neighbours.messages.policies import participation
from neighbours.moderation.models import ContentStatus, TargetType
from neighbours.moderation.targets import Target, TargetKind, person, register_target
from neighbours.notifications.services import drop_conversation_previews
from neighbours.realtime import eventlog
from neighbours.timefmt import iso


def message_subject(message_id: int) -> str:
    """What the event log files a message's events under (`eventlog.redact`)."""
    return f"message:{message_id}"


def _resolve_message(reader: User, message_id: int) -> Target:
    """A message its reader takes part in; 404 otherwise."""
    message = db.session.get(Message, message_id)
    if message is None:
        raise NotFound()
    conversation, _ = participation(reader, message.conversation_id)
    return Target(
        TargetType.MESSAGE,
        message.id,
        conversation.neighbourhood_id,
        message.author_id,
        {
            "body": message.body,
            "conversation_id": conversation.id,
            "author": person(message.author),
            "created_at": iso(message.created_at),
        },
        message,
    )


def _message_status_changed(message_id: int, status: ContentStatus, was: ContentStatus) -> None:
    """A message taken away: the event log must not give its words back (its
    `message:created`, the `new_conversation` notification quoting it), and the notification
    no longer quotes it over REST either."""
    if status != ContentStatus.PUBLISHED:
        eventlog.redact(db.session, message_subject(message_id))
        message = db.session.get(Message, message_id)
        first = db.session.scalar(
            select(func.min(Message.id)).where(Message.conversation_id == message.conversation_id)
        )
        if first == message_id:  # quoted by the conversation's notifications
            drop_conversation_previews(message.conversation_id)


def register(app: Flask) -> None:
    """Messages: content that decisions hide, remove and restore."""
    register_target(
        app,
        TargetKind(
            TargetType.MESSAGE, _resolve_message, Message, status_changed=_message_status_changed
        ),
    )
