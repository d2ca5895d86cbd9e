"""Feed schemas."""

from __future__ import annotations

import marshmallow as ma

from neighbours.accounts.schemas import PersonSchema, TrimmedSchema
from neighbours.feed.models import Category, ContentStatus, ReactionKind
from neighbours.fields import UTCDateTime, row_id
from neighbours.pagination import PageArgs, page_schema


class PostCreateSchema(TrimmedSchema):
    category = ma.fields.Enum(Category, by_value=True, required=True)
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    body = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=5000))


class PostUpdateSchema(TrimmedSchema):
    category = ma.fields.Enum(Category, by_value=True)
    title = ma.fields.String(validate=ma.validate.Length(min=1, max=120))
    body = ma.fields.String(validate=ma.validate.Length(min=1, max=5000))


class LivePostSchema(ma.Schema):
    """A post as every member sees it: what live events push (no reader's own fields)."""

    id = ma.fields.Integer()
    neighbourhood_id = ma.fields.Integer()
    author = ma.fields.Nested(PersonSchema)
    category = ma.fields.Enum(Category, by_value=True)
    title = ma.fields.String()
    body = ma.fields.String()
    status = ma.fields.Enum(
        ContentStatus,
        by_value=True,
        metadata={"description": "members only ever see `published`; moderators see the rest"},
    )
    pinned = ma.fields.Boolean()
    created_at = UTCDateTime()
    edited_at = UTCDateTime(allow_none=True)
    comment_count = ma.fields.Integer()
    reactions = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())


class PostSchema(LivePostSchema):
    """A post as its reader sees it."""

    my_reactions = ma.fields.List(ma.fields.String())


PostPageSchema = page_schema(PostSchema, "PostPage")


class FeedArgs(PageArgs):
    category = ma.fields.Enum(Category, by_value=True, load_default=None)


class CommentCreateSchema(TrimmedSchema):
    body = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))
    reply_to = row_id(load_default=None, allow_none=True)


class CommentUpdateSchema(TrimmedSchema):
    body = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))


class CommentSchema(ma.Schema):
    id = ma.fields.Integer()
    post_id = ma.fields.Integer()
    author = ma.fields.Nested(PersonSchema)
    body = ma.fields.String()
    reply_to = ma.fields.Integer(attribute="reply_to_id", allow_none=True)
    status = ma.fields.Enum(ContentStatus, by_value=True)
    created_at = UTCDateTime()
    edited_at = UTCDateTime(allow_none=True)


CommentPageSchema = page_schema(CommentSchema, "CommentPage")


class ReactionsSchema(ma.Schema):
    post_id = ma.fields.Integer()
    reactions = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    my_reactions = ma.fields.List(ma.fields.String())


REACTION_KINDS = [k.value for k in ReactionKind]
post_schema = PostSchema()
live_post_schema = LivePostSchema()
comment_schema = CommentSchema()
