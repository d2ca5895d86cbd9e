"""Feed rules and their transactions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from neighbours.accounts.models import Block, User
from neighbours.accounts.schemas import person
from neighbours.accounts.services import is_blocked
from neighbours.database import utcnow
from neighbours.errors import Conflict, Invalid
from neighbours.extensions import db
from neighbours.feed import counts, live, policies
from neighbours.feed.models import Comment, Post, Reaction, ReactionKind

# The feed page is read in `reading` (one statement, built without marshmallow).
from neighbours.feed.reading import feed_statement as feed_statement
from neighbours.feed.reading import list_posts as list_posts
from neighbours.moderation import limits
from neighbours.moderation.models import ContentStatus
from neighbours.moderation.screening import screen
from neighbours.neighbourhoods import policies as neighbourhood_policies
from neighbours.neighbourhoods.log import record
from neighbours.notifications.services import notify
from neighbours.pagination import Page, SortKey, paginate
from neighbours.views import View


@dataclass
class PostView(View, row="post"):
    """A post with its counts, as one reader sees it."""

    post: Post
    comment_count: int = 0
    reactions: dict[str, int] = field(default_factory=dict)
    my_reactions: list[str] = field(default_factory=list)


def _views(user: User | None, posts: list[Post]) -> list[PostView]:
    """Counts for a page of posts in three queries, whatever the page size."""
    ids = [p.id for p in posts]
    if not ids:
        return []
    comments = dict(
        db.session.execute(
            select(Comment.post_id, func.count())
            .where(Comment.post_id.in_(ids), Comment.status == ContentStatus.PUBLISHED)
            .group_by(Comment.post_id)
        ).all()
    )
    reactions: dict[int, dict[str, int]] = defaultdict(dict)
    for post_id, kind, n in db.session.execute(
        select(Reaction.post_id, Reaction.kind, func.count())
        .where(Reaction.post_id.in_(ids))
        .group_by(Reaction.post_id, Reaction.kind)
    ).all():
        reactions[post_id][kind] = n
    mine: dict[int, list[str]] = defaultdict(list)
    if user is not None:
        for post_id, kind in db.session.execute(
            select(Reaction.post_id, Reaction.kind)
            .where(Reaction.post_id.in_(ids), Reaction.user_id == user.id)
            .order_by(Reaction.kind)
        ).all():
            mine[post_id].append(kind)
    return [
        PostView(p, comments.get(p.id, 0), dict(reactions.get(p.id, {})), mine.get(p.id, []))
        for p in posts
    ]


def _view(user: User | None, post: Post) -> PostView:
    return _views(user, [post])[0]


def _broadcast(event: str, post: Post) -> None:
    """Push a post to its neighbourhood, as any member would see it (no per-reader fields)."""
    if event == "post:removed":
        live.post_gone(post)
    else:
        live.post_shown(event, post, _view(None, post))


def broadcast_post(post: Post, *, visible: bool) -> None:
    """A moderation decision showed or hid a post: tell its neighbourhood."""
    _broadcast("post:created" if visible else "post:removed", post)


def create_post(user: User, neighbourhood_id: int, fields: dict[str, Any]) -> PostView:
    neighbourhood = neighbourhood_policies.get_neighbourhood(neighbourhood_id)
    neighbourhood_policies.require_member(user, neighbourhood)
    policies.require_can_write(user, neighbourhood.id)
    policies.require_can_use_category(user, neighbourhood.id, fields["category"])
    limits.check_post(user, neighbourhood.id, counts.posts(user.id, neighbourhood.id))
    post = Post(
        neighbourhood_id=neighbourhood.id,
        author_id=user.id,
        category=fields["category"],
        title=fields["title"],
        body=fields["body"],
        status=ContentStatus.PUBLISHED,
        pinned=False,
        created_at=utcnow(),
    )
    db.session.add(post)
    db.session.flush()
    # Held words hold it: only its author and the moderators see it until a moderator decides.
    if not screen(post):
        _broadcast("post:created", post)
    db.session.commit()
    return _view(user, post)


def get_post(user: User, post_id: int) -> PostView:
    return _view(user, policies.visible_post(user, post_id))


def update_post(user: User, post_id: int, fields: dict[str, Any]) -> PostView:
    post = policies.visible_post(user, post_id)
    policies.require_author(user, post.author_id)
    policies.require_can_write(user, post.neighbourhood_id)
    if post.status == ContentStatus.REMOVED:
        raise Conflict(
            _l("A moderator removed this post; it can't be edited."), reason="post_removed"
        )
    if "category" in fields:
        policies.require_can_use_category(user, post.neighbourhood_id, fields["category"])
    was_public = post.status == ContentStatus.PUBLISHED
    for name, value in fields.items():
        setattr(post, name, value)
    post.edited_at = utcnow()
    # An edit goes through the same hold as a new post: a held word takes it off the feed.
    if screen(post):
        if was_public:
            _broadcast("post:removed", post)
    elif post.status == ContentStatus.PUBLISHED:
        _broadcast("post:updated", post)
    db.session.commit()
    return _view(user, post)


def delete_post(user: User, post_id: int) -> None:
    """The author deletes their post; a moderator removes someone else's."""
    post = policies.visible_post(user, post_id)
    policies.require_author_or_moderator(user, post.neighbourhood_id, post.author_id)
    if post.author_id == user.id and post.status == ContentStatus.REMOVED:
        return  # a moderator's removal stands; there is nothing left for the author to delete
    was_public = post.status == ContentStatus.PUBLISHED
    post.status = ContentStatus.DELETED if post.author_id == user.id else ContentStatus.REMOVED
    post.pinned = False
    if post.status == ContentStatus.REMOVED:
        record(user, post.neighbourhood_id, "remove_post", "post", post.id, None)
    if was_public:
        _broadcast("post:removed", post)
    db.session.commit()


def set_pinned(user: User, post_id: int, pinned: bool) -> PostView:
    post = policies.visible_post(user, post_id)
    policies.require_moderator(user, post.neighbourhood_id)
    if post.status != ContentStatus.PUBLISHED:
        raise Conflict(_l("Only a published post can be pinned."), reason="post_not_published")
    if post.pinned != pinned:
        post.pinned = pinned
        record(user, post.neighbourhood_id, "pin" if pinned else "unpin", "post", post.id, None)
        _broadcast("post:updated", post)
    db.session.commit()
    return _view(user, post)


# --- comments -----------------------------------------------------------------------------


def list_comments(user: User, post_id: int, *, limit: int, after: str | None) -> Page[Comment]:
    """Oldest first; without comments by people the reader blocked."""
    post = policies.visible_post(user, post_id)
    blocked = select(Block.blocked_id).where(Block.blocker_id == user.id)
    statuses = [ContentStatus.PUBLISHED]
    if neighbourhood_policies.is_moderator(user, post.neighbourhood_id):
        statuses += [ContentStatus.HIDDEN, ContentStatus.REMOVED, ContentStatus.HELD]
    stmt = (
        select(Comment)
        .join(Comment.author)
        .options(db.contains_eager(Comment.author))
        .where(
            Comment.post_id == post.id,
            Comment.status.in_(statuses),
            Comment.author_id.not_in(blocked),
        )
    )
    return paginate(
        db.session, stmt, [SortKey(Comment.id)], lambda c: [c.id], limit=limit, after=after
    )


def create_comment(user: User, post_id: int, body: str, reply_to: int | None) -> Comment:
    post = policies.visible_post(user, post_id)
    policies.require_can_write(user, post.neighbourhood_id)
    if post.status != ContentStatus.PUBLISHED:
        raise Conflict(_l("This post is not open for comments."), reason="comments_closed")
    limits.check_comment(
        user, post.neighbourhood_id, counts.comments(user.id, post.neighbourhood_id)
    )
    if reply_to is not None:
        parent = db.session.get(Comment, reply_to)
        if parent is None or parent.post_id != post.id or parent.status == ContentStatus.DELETED:
            raise Invalid("reply_to", _l("Not a comment on this post."), reason="reply_to_unknown")
    comment = Comment(
        post_id=post.id,
        author_id=user.id,
        reply_to_id=reply_to,
        body=body,
        status=ContentStatus.PUBLISHED,
        created_at=utcnow(),
    )
    db.session.add(comment)
    db.session.flush()
    held = screen(comment)  # held words hold comments too, until a moderator decides
    live.comment_shown("comment:created", comment)  # not if held
    if not held and post.author_id != user.id and not is_blocked(post.author_id, user.id):
        notify(
            post.author_id,
            "comment_on_post",
            {
                "post_id": post.id,
                "post_title": post.title,
                "comment_id": comment.id,
                "actor": person(user),
            },
        )
    db.session.commit()
    return comment


def update_comment(user: User, comment_id: int, body: str) -> Comment:
    comment = policies.visible_comment(user, comment_id)
    policies.require_author(user, comment.author_id)
    policies.require_can_write(user, comment.post.neighbourhood_id)
    if comment.status != ContentStatus.PUBLISHED:
        raise Conflict(_l("This comment can't be edited."), reason="comment_not_published")
    comment.body = body
    comment.edited_at = utcnow()
    if screen(comment):  # the same hold as a new comment: held, it leaves the members' view
        live.comment_gone(comment, was=ContentStatus.PUBLISHED)
    else:
        live.comment_shown("comment:updated", comment)
    db.session.commit()
    return comment


def delete_comment(user: User, comment_id: int) -> None:
    comment = policies.visible_comment(user, comment_id)
    neighbourhood_id = comment.post.neighbourhood_id
    policies.require_author_or_moderator(user, neighbourhood_id, comment.author_id)
    was = comment.status
    if comment.author_id == user.id:
        comment.status = ContentStatus.DELETED
    else:
        comment.status = ContentStatus.REMOVED
        record(user, neighbourhood_id, "remove_comment", "comment", comment.id, None)
    live.comment_gone(comment, was=was)
    db.session.commit()


# --- reactions ----------------------------------------------------------------------------


def _kind(kind: str) -> ReactionKind:
    try:
        return ReactionKind(kind)
    except ValueError:
        raise Invalid(
            "kind",
            _l("One of: %(kinds)s.", kinds=", ".join(k.value for k in ReactionKind)),
            reason="not_one_of",
            location="path",
        ) from None


def set_reaction(user: User, post_id: int, kind: str, on: bool) -> PostView:
    """PUT adds, DELETE removes; both idempotent. `post:reactions` only when counts change."""
    post = policies.visible_post(user, post_id)
    reaction_kind = _kind(kind)
    policies.require_can_write(user, post.neighbourhood_id)
    # One change of a post's reactions at a time, so that the counts each one pushes include
    # every reaction committed before it (NO KEY UPDATE: comments and reactions can still
    # reference the post meanwhile).
    db.session.execute(select(Post.id).where(Post.id == post.id).with_for_update(key_share=True))
    existing = db.session.get(Reaction, (post.id, user.id, reaction_kind.value))
    if on and existing is None:
        db.session.add(Reaction(post_id=post.id, user_id=user.id, kind=reaction_kind.value))
        live.reactions_changed(post)
    elif not on and existing is not None:
        db.session.execute(
            delete(Reaction).where(
                Reaction.post_id == post.id,
                Reaction.user_id == user.id,
                Reaction.kind == reaction_kind.value,
            )
        )
        live.reactions_changed(post)
    try:
        db.session.commit()
    except IntegrityError:
        # A concurrent identical PUT got there first: the result is the same.
        db.session.rollback()
    return _view(user, post)
