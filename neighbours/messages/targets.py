"""Messages as moderation targets (registered by `neighbours.wiring`)."""

from __future__ import annotations

from flask import Flask

from neighbours.accounts.models import User
from neighbours.errors import NotFound
from neighbours.extensions import db
from neighbours.messages.models import Message
from neighbours.messages.policies import participation
from neighbours.moderation.models import TargetType
from neighbours.moderation.targets import Target, TargetKind, person, register_target
from neighbours.timefmt import iso


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


def register(app: Flask) -> None:
    """Messages: content that decisions hide, remove and restore."""
    register_target(app, TargetKind(TargetType.MESSAGE, _resolve_message, Message))
