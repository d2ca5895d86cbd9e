"""The feed's posts and comments as moderation targets (registered by `neighbours.wiring`)."""

from __future__ import annotations

from flask import Flask

from neighbours.accounts.models import User
from neighbours.extensions import db
from neighbours.feed import live, policies
from neighbours.feed.models import Comment, Post
from neighbours.feed.services import broadcast_post
from neighbours.moderation.models import ContentStatus, TargetType
from neighbours.moderation.targets import Target, TargetKind, person, register_target
from neighbours.timefmt import iso


def post_target(post: Post) -> tuple[Target, tuple[str, ...]]:
    """A post as the queue shows it, and the texts held words are looked for in."""
    snapshot = {
        "title": post.title,
        "body": post.body,
        "category": post.category.value,
        "author": person(post.author),
        "created_at": iso(post.created_at),
    }
    target = Target(TargetType.POST, post.id, post.neighbourhood_id, post.author_id, snapshot, post)
    return target, (post.title, post.body)


def comment_target(comment: Comment) -> tuple[Target, tuple[str, ...]]:
    snapshot = {
        "body": comment.body,
        "post_id": comment.post_id,
        "author": person(comment.author),
        "created_at": iso(comment.created_at),
    }
    target = Target(
        TargetType.COMMENT,
        comment.id,
        comment.post.neighbourhood_id,
        comment.author_id,
        snapshot,
        comment,
    )
    return target, (comment.body,)


def _resolve_post(reader: User, post_id: int) -> Target:
    return post_target(policies.visible_post(reader, post_id))[0]


def _resolve_comment(reader: User, comment_id: int) -> Target:
    return comment_target(policies.visible_comment(reader, comment_id))[0]


def _post_status_changed(post_id: int, status: ContentStatus, was: ContentStatus) -> None:
    """A decision showed or hid a post: its neighbourhood's feed follows (after commit).
    Members never saw a held post, so taking one away tells them nothing."""
    post = db.session.get(Post, post_id)
    shown = status == ContentStatus.PUBLISHED
    if post is not None and (shown or was == ContentStatus.PUBLISHED):
        broadcast_post(post, visible=shown)


def _comment_status_changed(comment_id: int, status: ContentStatus, was: ContentStatus) -> None:
    """A decision showed or hid a comment: `comment:created` / `comment:removed`."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        return
    if status == ContentStatus.PUBLISHED:
        live.comment_shown("comment:created", comment)
    else:
        live.comment_gone(comment, was=was)


def register(app: Flask) -> None:
    """Posts and comments: content that decisions hide, remove and restore."""
    register_target(
        app, TargetKind(TargetType.POST, _resolve_post, Post, post_target, _post_status_changed)
    )
    register_target(
        app,
        TargetKind(
            TargetType.COMMENT, _resolve_comment, Comment, comment_target, _comment_status_changed
        ),
    )
