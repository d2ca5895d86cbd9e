"""Limits that stop a spammer without bothering neighbours.

Counted from the rows themselves over a sliding 24 hours, so they are exact on every process
and need no Redis. Each neighbourhood's moderators may change them; `RATELIMIT_ENABLED=false`
turns them off with every other limit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from neighbours.accounts.models import User
from neighbours.database import utcnow
from neighbours.errors import TooManyRequests
from neighbours.extensions import db
from neighbours.moderation.models import ModerationSettings, Report
from neighbours.neighbourhoods.models import Role
from neighbours.neighbourhoods.policies import active_membership

WINDOW = timedelta(hours=24)

# What a limit counts, asked of the feature that owns the rows (moderation knows no feature
# above it): given the start of the window, how many of the person's rows fall in it and when
# the oldest of them was written.
Counter = Callable[[datetime], tuple[int, datetime | None]]


def setting(neighbourhood_id: int | None, name: str) -> int:
    """A neighbourhood's value for a limit, else the app default."""
    if neighbourhood_id is not None:
        settings = db.session.get(ModerationSettings, neighbourhood_id)
        value = getattr(settings, name, None) if settings else None
        if value is not None:
            return int(value)
    defaults = {
        "report_threshold": "REPORT_THRESHOLD",
        "new_member_posts": "LIMIT_NEW_MEMBER_POSTS",
        "daily_posts": "LIMIT_DAILY_POSTS",
        "daily_comments": "LIMIT_DAILY_COMMENTS",
        "daily_reports": "LIMIT_DAILY_REPORTS",
        "daily_conversations": "LIMIT_DAILY_CONVERSATIONS",
    }
    return int(current_app.config[defaults[name]])


def _enabled() -> bool:
    return bool(current_app.config.get("LIMITS_ENABLED", True))


# The refusal of each daily cap (reason `rate_limited`, 429 with Retry-After), by what it counts.
_CAPS: dict[str, Callable[[int], Any]] = {
    "post": lambda n: _l("You can post %(limit)s times a day here; try again later.", limit=n),
    "comment": lambda n: _l(
        "You can comment %(limit)s times a day here; try again later.", limit=n
    ),
    "report": lambda n: _l("You can report %(limit)s times a day here; try again later.", limit=n),
    "conversation": lambda n: _l(
        "You can start a conversation %(limit)s times a day here; try again later.", limit=n
    ),
    "message": lambda n: _l(
        "You can send a message %(limit)s times a day here; try again later.", limit=n
    ),
}


def _refuse(what: str, limit: int, oldest: datetime | None, window: timedelta = WINDOW) -> None:
    wait = (oldest + window - utcnow()).total_seconds() if oldest else window.total_seconds()
    raise TooManyRequests(_CAPS[what](limit), wait)


def check_post(user: User, neighbourhood_id: int, posts: Counter) -> None:
    """Posts in a neighbourhood: fewer in a new member's first day, a daily cap after."""
    if not _enabled() or user.is_admin:
        return
    since = utcnow() - WINDOW
    count, oldest = posts(since)
    membership = active_membership(user, neighbourhood_id)
    joined = (membership.decided_at or membership.created_at) if membership else None
    # A neighbourhood's founder and the moderators it appoints are trusted from day one.
    if membership is not None and membership.role == Role.MODERATOR:
        joined = None
    if joined is not None and joined > since:
        limit = setting(neighbourhood_id, "new_member_posts")
        if count >= limit:
            raise TooManyRequests(
                _l(
                    "New members can post %(limit)s times in their first day; try again later.",
                    limit=limit,
                ),
                (joined + WINDOW - utcnow()).total_seconds(),
            )
    limit = setting(neighbourhood_id, "daily_posts")
    if count >= limit:
        _refuse("post", limit, oldest)


def check_comment(user: User, neighbourhood_id: int, comments: Counter) -> None:
    """Comments in a neighbourhood, a daily cap."""
    if not _enabled() or user.is_admin:
        return
    limit = setting(neighbourhood_id, "daily_comments")
    count, oldest = comments(utcnow() - WINDOW)
    if count >= limit:
        _refuse("comment", limit, oldest)


def check_report(user: User, neighbourhood_id: int) -> None:
    if not _enabled() or user.is_admin:
        return
    limit = setting(neighbourhood_id, "daily_reports")
    count, oldest = db.session.execute(
        select(func.count(), func.min(Report.created_at)).where(
            Report.reporter_id == user.id, Report.created_at > utcnow() - WINDOW
        )
    ).one()
    if count >= limit:
        _refuse("report", limit, oldest)


def check_conversation(user: User, neighbourhood_id: int, conversations: Counter) -> None:
    """Conversations a person starts, a daily cap (the neighbourhood's setting)."""
    if not _enabled() or user.is_admin:
        return
    limit = setting(neighbourhood_id, "daily_conversations")
    count, oldest = conversations(utcnow() - WINDOW)
    if count >= limit:
        _refuse("conversation", limit, oldest)


def check_message(user: User, messages: Counter) -> None:
    """Messages a person sends in a sliding 24 hours, over every conversation they are in."""
    if not _enabled() or user.is_admin:
        return
    limit = int(current_app.config["LIMIT_DAILY_MESSAGES"])
    count, oldest = messages(utcnow() - WINDOW)
    if count >= limit:
        _refuse("message", limit, oldest)
