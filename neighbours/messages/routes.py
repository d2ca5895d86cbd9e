"""Conversation and message routes."""

from __future__ import annotations

from flask_smorest import Blueprint

from neighbours.auth import current_user, login_required
from neighbours.messages import services
from neighbours.messages.schemas import (
    ConversationCreateSchema,
    ConversationPageSchema,
    ConversationSchema,
    MessageCreateSchema,
    MessageListArgs,
    MessagePageSchema,
    MessageSchema,
    ReadResultSchema,
    ReadSchema,
)
from neighbours.pagination import PageArgs

blp = Blueprint("messages", __name__, description="Conversations and messages")


@blp.route("/conversations", methods=["GET"])
@login_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, ConversationPageSchema)
def list_conversations(args: dict) -> object:
    """My conversations, most recently active first, with unread counts."""
    return services.list_conversations(current_user(), **args)


@blp.route("/conversations", methods=["POST"])
@login_required
@blp.arguments(ConversationCreateSchema)
@blp.response(201, ConversationSchema)
@blp.alt_response(200, schema=ConversationSchema, description="The existing direct conversation")
@blp.alt_response(403, description="Someone shares no neighbourhood with me, or blocked me")
def start_conversation(data: dict) -> object:
    """Start a conversation with people who share a neighbourhood with me.

    Two people have one direct conversation: asking again returns it with 200.
    """
    view, created = services.start_conversation(
        current_user(), data["participant_ids"], data.get("title")
    )
    return view, 201 if created else 200


@blp.route("/conversations/<int:conversation_id>", methods=["GET"])
@login_required
@blp.response(200, ConversationSchema)
def get_conversation(conversation_id: int) -> object:
    """One of my conversations."""
    return services.get_conversation(current_user(), conversation_id)


@blp.route("/conversations/<int:conversation_id>/messages", methods=["GET"])
@login_required
@blp.arguments(MessageListArgs, location="query")
@blp.response(200, MessagePageSchema)
def list_messages(args: dict, conversation_id: int) -> object:
    """Messages oldest first; `latest=true` for the newest page, `before`/`after` to move."""
    return services.list_messages(current_user(), conversation_id, **args)


@blp.route("/conversations/<int:conversation_id>/messages", methods=["POST"])
@login_required
@blp.arguments(MessageCreateSchema)
@blp.response(201, MessageSchema)
def post_message(data: dict, conversation_id: int) -> object:
    """Send a message (1 to 2000 characters) to everyone in the conversation."""
    return services.post_message(current_user(), conversation_id, data["body"])


@blp.route("/conversations/<int:conversation_id>/read", methods=["POST"])
@login_required
@blp.arguments(ReadSchema)
@blp.response(200, ReadResultSchema)
def mark_read(data: dict, conversation_id: int) -> object:
    """Mark the conversation read up to a message."""
    return services.mark_read(current_user(), conversation_id, data["up_to_message_id"])
