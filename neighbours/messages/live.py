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
        # Live only: it names every participant and quotes the last message, which the log
        # could not take back when one of them leaves or a moderator removes it. A client that
        # missed it learns of the conversation from its `message:created` events.
        payload = conversation_schema.dump(view)
        publish("conversation:joined", payload, user_room(user_id), logged=False)
