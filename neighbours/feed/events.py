"""The feed's live events (registered with the live layer's catalog by `neighbours.wiring`)."""

from __future__ import annotations

import marshmallow as ma

from neighbours.feed.schemas import PostSchema
from neighbours.realtime.catalog import LiveEvent


class PostRemovedSchema(ma.Schema):
    id = ma.fields.Integer(required=True, metadata={"description": "the post that went away"})


_AS_ANY_MEMBER = "as any member sees it (`my_reactions` empty)"

EVENTS = (
    LiveEvent(
        "post:created",
        PostSchema,
        ("neighbourhood",),
        "A post appeared in the feed",
        f"A post was published, or restored by a moderator; the post {_AS_ANY_MEMBER}.",
    ),
    LiveEvent(
        "post:updated",
        PostSchema,
        ("neighbourhood",),
        "A post changed",
        f"A post was edited, pinned or unpinned; the post {_AS_ANY_MEMBER}.",
    ),
    LiveEvent(
        "post:removed",
        PostRemovedSchema,
        ("neighbourhood",),
        "A post left the feed",
        "A post was deleted by its author, or hidden or removed by moderation.",
    ),
)
