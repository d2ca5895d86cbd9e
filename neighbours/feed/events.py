"""The feed's live events (registered with the live layer's catalog by `neighbours.wiring`)."""

from __future__ import annotations

import marshmallow as ma

from neighbours.feed.schemas import CommentSchema, LivePostSchema
from neighbours.realtime.catalog import LiveEvent


class PostRemovedSchema(ma.Schema):
    id = ma.fields.Integer(required=True, metadata={"description": "the post that went away"})
    neighbourhood_id = ma.fields.Integer(required=True)


class CommentRemovedSchema(ma.Schema):
    id = ma.fields.Integer(required=True, metadata={"description": "the comment that went away"})
    post_id = ma.fields.Integer(required=True)
    neighbourhood_id = ma.fields.Integer(required=True)


class PostReactionsSchema(ma.Schema):
    post_id = ma.fields.Integer(required=True)
    neighbourhood_id = ma.fields.Integer(required=True)
    reactions = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        required=True,
        metadata={"description": "per kind: how many; kinds nobody chose are absent"},
    )


_AS_ANY_MEMBER = (
    "as any member sees it (`LivePost`: a `Post` without `my_reactions`; keep your own copy's "
    "`my_reactions` when you merge it)"
)
_BLOCKS = " Drop it if its author is someone you blocked, as the REST lists do."

EVENTS = (
    LiveEvent(
        "post:created",
        LivePostSchema,
        ("neighbourhood",),
        "A post appeared in the feed",
        f"A post was published, or restored by a moderator; the post {_AS_ANY_MEMBER}." + _BLOCKS,
    ),
    LiveEvent(
        "post:updated",
        LivePostSchema,
        ("neighbourhood",),
        "A post changed",
        f"A post was edited, pinned or unpinned; the post {_AS_ANY_MEMBER}.",
    ),
    LiveEvent(
        "post:removed",
        PostRemovedSchema,
        ("neighbourhood",),
        "A post left the feed",
        "A post members saw was deleted by its author, held by its words after an edit, or "
        "hidden or removed by moderation.",
    ),
    LiveEvent(
        "post:reactions",
        PostReactionsSchema,
        ("neighbourhood",),
        "A post's reaction counts changed",
        "Someone added or took back a reaction on a published post (an idempotent repeat "
        "sends nothing). Counts only: replace the post's `reactions` with these and keep your "
        "own `my_reactions` (your own changes come back in the REST response).",
    ),
    LiveEvent(
        "comment:created",
        CommentSchema,
        ("neighbourhood",),
        "A comment appeared under a post",
        "A comment was published on a post members see, or restored by a moderator; the "
        "comment as `GET /posts/{id}/comments` lists it to any member (held comments are not "
        "sent). Add one to the post's `comment_count`." + _BLOCKS,
    ),
    LiveEvent(
        "comment:updated",
        CommentSchema,
        ("neighbourhood",),
        "A comment changed",
        "A published comment was edited by its author; the comment as any member sees it.",
    ),
    LiveEvent(
        "comment:removed",
        CommentRemovedSchema,
        ("neighbourhood",),
        "A comment left its post",
        "A comment members saw was deleted by its author, held by its words after an edit, or "
        "hidden or removed by moderation. Take one from the post's `comment_count`.",
    ),
)
