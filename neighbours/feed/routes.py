"""Feed routes."""

from __future__ import annotations

from flask_smorest import Blueprint

from neighbours.auth import current_user, login_required
from neighbours.feed import services
from neighbours.feed.models import ReactionKind
from neighbours.feed.schemas import (
    CommentCreateSchema,
    CommentPageSchema,
    CommentSchema,
    CommentUpdateSchema,
    FeedArgs,
    PostCreateSchema,
    PostPageSchema,
    PostSchema,
    PostUpdateSchema,
)
from neighbours.pagination import PageArgs
from neighbours.reads import dumped, read_only

blp = Blueprint("feed", __name__, description="The neighbourhood feed")


@blp.route("/neighbourhoods/<int:neighbourhood_id>/posts", methods=["GET"])
@read_only
@login_required
@blp.arguments(FeedArgs, location="query")
@blp.response(200, PostPageSchema)
def list_posts(args: dict, neighbourhood_id: int) -> object:
    """The feed: pinned first, then newest first (members; moderators also see flagged posts)."""
    # Already in PostPageSchema's shape (`feed.reading`): sent as is, not dumped again.
    return dumped(services.list_posts(current_user(), neighbourhood_id, **args))


@blp.route("/neighbourhoods/<int:neighbourhood_id>/posts", methods=["POST"])
@login_required
@blp.arguments(PostCreateSchema)
@blp.response(201, PostSchema)
def create_post(data: dict, neighbourhood_id: int) -> object:
    """Post to the feed (active members; announcements are for moderators)."""
    return services.create_post(current_user(), neighbourhood_id, data)


@blp.route("/posts/<int:post_id>", methods=["GET"])
@login_required
@blp.response(200, PostSchema)
def get_post(post_id: int) -> object:
    """A post with its counts and my reactions."""
    return services.get_post(current_user(), post_id)


@blp.route("/posts/<int:post_id>", methods=["PATCH"])
@login_required
@blp.arguments(PostUpdateSchema)
@blp.response(200, PostSchema)
def update_post(data: dict, post_id: int) -> object:
    """Edit my post (records `edited_at`)."""
    return services.update_post(current_user(), post_id, data)


@blp.route("/posts/<int:post_id>", methods=["DELETE"])
@login_required
@blp.response(204)
def delete_post(post_id: int) -> None:
    """Delete my post, or remove someone's as a moderator."""
    services.delete_post(current_user(), post_id)


@blp.route("/posts/<int:post_id>/pin", methods=["POST"])
@login_required
@blp.response(200, PostSchema)
def pin_post(post_id: int) -> object:
    """Pin a post to the top of the feed (moderators)."""
    return services.set_pinned(current_user(), post_id, True)


@blp.route("/posts/<int:post_id>/pin", methods=["DELETE"])
@login_required
@blp.response(200, PostSchema)
def unpin_post(post_id: int) -> object:
    """Unpin a post (moderators)."""
    return services.set_pinned(current_user(), post_id, False)


@blp.route("/posts/<int:post_id>/comments", methods=["GET"])
@login_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, CommentPageSchema)
def list_comments(args: dict, post_id: int) -> object:
    """Comments on a post, oldest first."""
    return services.list_comments(current_user(), post_id, **args)


@blp.route("/posts/<int:post_id>/comments", methods=["POST"])
@login_required
@blp.arguments(CommentCreateSchema)
@blp.response(201, CommentSchema)
def create_comment(data: dict, post_id: int) -> object:
    """Comment on a post, optionally replying to a comment; the post's author is notified."""
    return services.create_comment(current_user(), post_id, data["body"], data["reply_to"])


@blp.route("/comments/<int:comment_id>", methods=["PATCH"])
@login_required
@blp.arguments(CommentUpdateSchema)
@blp.response(200, CommentSchema)
def update_comment(data: dict, comment_id: int) -> object:
    """Edit my comment."""
    return services.update_comment(current_user(), comment_id, data["body"])


@blp.route("/comments/<int:comment_id>", methods=["DELETE"])
@login_required
@blp.response(204)
def delete_comment(comment_id: int) -> None:
    """Delete my comment, or remove someone's as a moderator."""
    services.delete_comment(current_user(), comment_id)


# The document names the kinds a reaction can be, as the route accepts them.
_REACTION_KIND = {
    "in": "path",
    "name": "kind",
    "required": True,
    "schema": {"type": "string", "enum": [kind.value for kind in ReactionKind]},
}


@blp.route("/posts/<int:post_id>/reactions/<kind>", methods=["PUT"], parameters=[_REACTION_KIND])
@login_required
@blp.response(200, PostSchema)
def add_reaction(post_id: int, kind: str) -> object:
    """React to a post: like, thanks or support. Idempotent; returns the post's counts."""
    return services.set_reaction(current_user(), post_id, kind, True)


@blp.route("/posts/<int:post_id>/reactions/<kind>", methods=["DELETE"], parameters=[_REACTION_KIND])
@login_required
@blp.response(200, PostSchema)
def remove_reaction(post_id: int, kind: str) -> object:
    """Take back a reaction. Idempotent; returns the post's counts."""
    return services.set_reaction(current_user(), post_id, kind, False)
