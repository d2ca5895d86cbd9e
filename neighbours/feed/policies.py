"""Who may see and do what in the feed; lists and single posts share these rules."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, select

from neighbours.accounts.models import User
from neighbours.errors import Forbidden, NotFound
from neighbours.extensions import db
from neighbours.feed.models import Category, Comment, ContentStatus, Post
from neighbours.moderation.policies import refuse_writing
from neighbours.neighbourhoods import policies as neighbourhood_policies

MEMBER_STATUSES = (ContentStatus.PUBLISHED,)
# Moderators see what is waiting for them, flagged by its status; nobody lists deleted posts.
MODERATOR_STATUSES = (
    ContentStatus.PUBLISHED,
    ContentStatus.HELD,
    ContentStatus.HIDDEN,
    ContentStatus.REMOVED,
)


def listed_statuses(user: User, neighbourhood_id: int) -> tuple[ContentStatus, ...]:
    if neighbourhood_policies.is_moderator(user, neighbourhood_id):
        return MODERATOR_STATUSES
    return MEMBER_STATUSES


def _can_see(user: User, neighbourhood_id: int, author_id: int, status: ContentStatus) -> bool:
    if status == ContentStatus.DELETED:
        return False
    if status == ContentStatus.PUBLISHED or author_id == user.id:
        return True
    return neighbourhood_policies.is_moderator(user, neighbourhood_id)


def _is_reader(user: User, neighbourhood_id: int) -> bool:
    return (
        user.is_admin
        or neighbourhood_policies.active_membership(user, neighbourhood_id) is not None
    )


def visible_post(user: User, post_id: int) -> Post:
    """A post its reader may see: 404 for outsiders and for content they may not see."""
    post = db.session.get(Post, post_id)
    if (
        post is None
        or not _is_reader(user, post.neighbourhood_id)
        or not _can_see(user, post.neighbourhood_id, post.author_id, post.status)
    ):
        raise NotFound()
    return post


def visible_comment(user: User, comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound()
    post = visible_post(user, comment.post_id)
    if not _can_see(user, post.neighbourhood_id, comment.author_id, comment.status):
        raise NotFound()
    return comment


def require_can_write(user: User, neighbourhood_id: int) -> None:
    """Suspended members read but can't write."""
    if not neighbourhood_policies.can_write(user, neighbourhood_id):
        raise refuse_writing(
            user,
            neighbourhood_id,
            _l("You can't post, comment or react in this neighbourhood right now."),
        )


def require_can_use_category(user: User, neighbourhood_id: int, category: Category) -> None:
    if category == Category.ANNOUNCEMENT and not neighbourhood_policies.is_moderator(
        user, neighbourhood_id
    ):
        raise Forbidden(_l("Only moderators post announcements."), reason="moderators_only")


def require_author(user: User, author_id: int) -> None:
    if user.id != author_id:
        raise Forbidden(_l("Only the author can edit this."), reason="not_the_author")


def require_author_or_moderator(user: User, neighbourhood_id: int, author_id: int) -> None:
    if user.id != author_id and not neighbourhood_policies.is_moderator(user, neighbourhood_id):
        raise Forbidden(
            _l("Only the author or a moderator can do this."), reason="not_author_or_moderator"
        )


def require_moderator(user: User, neighbourhood_id: int) -> None:
    if not neighbourhood_policies.is_moderator(user, neighbourhood_id):
        raise Forbidden(_l("Only moderators can do this."), reason="moderators_only")


def neighbourhood_of_post(post_id: ColumnElement[int]) -> ColumnElement[Any]:
    """Where a post lives, for the token query of a request about it (`neighbourhoods.prefetch`)."""
    return select(Post.neighbourhood_id).where(Post.id == post_id).scalar_subquery()


def neighbourhood_of_comment(comment_id: ColumnElement[int]) -> ColumnElement[Any]:
    """Where a comment's post lives (`neighbourhoods.prefetch`)."""
    return (
        select(Post.neighbourhood_id)
        .join(Comment, Comment.post_id == Post.id)
        .where(Comment.id == comment_id)
        .scalar_subquery()
    )
