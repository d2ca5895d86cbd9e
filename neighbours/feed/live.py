"""What the feed pushes to a neighbourhood's sockets: posts, comments and reaction counts.

Each is published in the transaction that makes the change (sent after commit) and is what
any ordinary member sees: nothing held, hidden or under a post members can't see, and no
field of one reader's own (`my_reactions`). Blocks are the reader's: a client drops what
comes from someone it blocked, as the REST lists do.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from neighbours.extensions import db
from neighbours.feed.models import Comment, Post, Reaction
from neighbours.feed.schemas import comment_schema, live_post_schema
from neighbours.moderation.models import ContentStatus
from neighbours.realtime.publish import publish
from neighbours.realtime.rooms import neighbourhood_room

_PUBLISHED = ContentStatus.PUBLISHED


def post_shown(event: str, post: Post, view: Any) -> None:
    """`post:created` / `post:updated`: the post (a `PostView` of no reader) to its members."""
    publish(
        event,
        live_post_schema.dump(view),
        neighbourhood_room(post.neighbourhood_id),
        subject=f"post:{post.id}",
        author_id=post.author_id,
    )


def post_gone(post: Post) -> None:
    """`post:removed`: it left the members' feed."""
    payload = {"id": post.id, "neighbourhood_id": post.neighbourhood_id}
    publish(
        "post:removed",
        payload,
        neighbourhood_room(post.neighbourhood_id),
        subject=f"post:{post.id}",
    )


def _members_see_post(comment: Comment) -> bool:
    return comment.post.status == _PUBLISHED


def _subject(comment: Comment) -> str:
    """A comment is part of its post: the post's removal takes its comments out of the log."""
    return f"post:{comment.post_id}/comment:{comment.id}"


def comment_shown(event: str, comment: Comment) -> None:
    """`comment:created` / `comment:updated`, if members see the comment and its post."""
    if comment.status == _PUBLISHED and _members_see_post(comment):
        room = neighbourhood_room(comment.post.neighbourhood_id)
        publish(
            event,
            comment_schema.dump(comment),
            room,
            subject=_subject(comment),
            author_id=comment.author_id,
        )


def comment_gone(comment: Comment, *, was: ContentStatus) -> None:
    """`comment:removed`, if members saw it (it was published, under a post they see)."""
    if was == _PUBLISHED and _members_see_post(comment):
        where = comment.post.neighbourhood_id
        payload = {"id": comment.id, "post_id": comment.post_id, "neighbourhood_id": where}
        publish("comment:removed", payload, neighbourhood_room(where), subject=_subject(comment))


def reaction_counts(post_id: int) -> dict[str, int]:
    """Reactions per kind (kinds nobody chose are absent), as the post's `reactions`."""
    rows = db.session.execute(
        select(Reaction.kind, func.count())
        .where(Reaction.post_id == post_id)
        .group_by(Reaction.kind)
        .order_by(Reaction.kind)
    ).all()
    return {kind: n for kind, n in rows}


def reactions_changed(post: Post) -> None:
    """`post:reactions`: the counts now, to members of a post they see."""
    if post.status != _PUBLISHED:
        return
    payload = {
        "post_id": post.id,
        "neighbourhood_id": post.neighbourhood_id,
        "reactions": reaction_counts(post.id),
    }
    room = neighbourhood_room(post.neighbourhood_id)
    publish("post:reactions", payload, room, subject=f"post:{post.id}/reactions")
