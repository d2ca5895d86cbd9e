"""`conversation:joined`: a conversation, to the user room of each person just added to it."""

from __future__ import annotations

from collections.abc import Iterable

from neighbours.messages.models import Conversation
from neighbours.messages.schemas import conversation_schema
from neighbours.messages.views import conversation_views
from neighbours.realtime.publish import publish
from neighbours.realtime.rooms import user_room


def joined(conversation: Conversation, user_ids: Iterable[int]) -> None:
    """Each one gets the conversation as `GET /conversations` lists it for them (their own
    `unread_count`), published in the caller's transaction and sent after it commits."""
    for user_id in sorted(set(user_ids)):
        [view] = conversation_views(user_id, [conversation])
        publish("conversation:joined", conversation_schema.dump(view), user_room(user_id))
