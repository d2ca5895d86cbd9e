"""Account rules: registration, sessions, profiles, deletion, blocking."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from zxcvbn import zxcvbn

from neighbours.accounts.guard import WrongPassword
from neighbours.accounts.models import AccessToken, Block, User
from neighbours.auth import hash_password, issue_token, verify_password
from neighbours.database import utcnow
from neighbours.errors import Conflict, Invalid, NotFound, Unauthorized
from neighbours.extensions import db
from neighbours.neighbourhoods import policies as neighbourhood_policies
from neighbours.pagination import Page, SortKey, paginate
from neighbours.realtime.publish import publish_control, publish_membership_change

MIN_PASSWORD_SCORE = 3
ZXCVBN_MAX_LENGTH = 72
FORMER_NEIGHBOUR = "A former neighbour"


@dataclass
class PrivateView:
    """A user with their memberships, as `/me` shows them."""

    user: User
    memberships: list[Any]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.user, name)


def private_view(user: User) -> PrivateView:
    from neighbours.neighbourhoods.services import memberships_of

    return PrivateView(user, memberships_of(user))


def check_password_strength(
    password: str, *, user_inputs: list[str], field: str = "password"
) -> None:
    """Refuse short, common or easily guessed passwords, with zxcvbn's advice."""
    if len(password) < 12:
        raise Invalid(field, "Use at least 12 characters.")
    # zxcvbn refuses more than 72 characters (its cost grows with length), while passwords
    # may have up to 128: score the first 72. A strong start makes a strong password, and
    # a weak one (a repeated character, a phrase from a list) stays weak however it goes on.
    result = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=[u for u in user_inputs if u])
    if result["score"] < MIN_PASSWORD_SCORE:
        feedback = result.get("feedback") or {}
        advice = [feedback.get("warning") or "This password is too easy to guess."]
        advice += list(feedback.get("suggestions") or [])
        raise Invalid(field, " ".join(a for a in advice if a))


def _normalise_email(email: str) -> str:
    return email.strip().lower()


def register(email: str, password: str, display_name: str) -> User:
    email = _normalise_email(email)
    check_password_strength(password, user_inputs=[email, email.split("@")[0], display_name])
    if db.session.execute(select(User.id).where(User.email == email)).first():
        raise Conflict("An account with this email already exists.")
    user = User(
        email=email,
        password_hash=hash_password(password),
        display_name=display_name,
        languages=[],
        diets=[],
        allergens=[],
    )
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("An account with this email already exists.") from None
    return user


def login(
    email: str, password: str, *, user_agent: str | None, ip: str | None
) -> tuple[str, AccessToken]:
    """One answer for an unknown email and a wrong password, in the same time."""
    user = db.session.execute(
        select(User).where(User.email == _normalise_email(email), User.deleted_at.is_(None))
    ).scalar_one_or_none()
    if not verify_password(user.password_hash if user else None, password) or user is None:
        raise Unauthorized("Wrong email or password.")
    token, row = issue_token(user, user_agent=user_agent, ip=ip)
    db.session.commit()
    return token, row


def logout(token: AccessToken) -> None:
    """Revoke this session's token and cut its live sockets on every process."""
    token.revoked_at = utcnow()
    publish_control("disconnect", user_id=token.user_id, token_id=token.id)
    db.session.commit()


def active_sessions(user: User) -> list[AccessToken]:
    """The caller's sessions that still work, newest first."""
    return list(
        db.session.execute(
            select(AccessToken)
            .where(
                AccessToken.user_id == user.id,
                AccessToken.revoked_at.is_(None),
                AccessToken.expires_at > utcnow(),
            )
            .order_by(AccessToken.id.desc())
        ).scalars()
    )


def revoke_session(user: User, session_id: int) -> None:
    """End one of my sessions: its token stops working and its sockets are cut."""
    token = db.session.get(AccessToken, session_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise NotFound()
    logout(token)


def revoke_other_sessions(user: User, keep: AccessToken | None) -> int:
    """End every session but `keep`; returns how many were ended."""
    others = [t for t in active_sessions(user) if keep is None or t.id != keep.id]
    now = utcnow()
    for token in others:
        token.revoked_at = now
        publish_control("disconnect", user_id=user.id, token_id=token.id)
    db.session.commit()
    return len(others)


def change_password(
    user: User, current_password: str, new_password: str, *, keep: AccessToken | None
) -> None:
    """A new password ends every other session."""
    if not verify_password(user.password_hash, current_password):
        raise WrongPassword("current_password")
    check_password_strength(
        new_password,
        user_inputs=[user.email or "", (user.email or "").split("@")[0], user.display_name],
        field="new_password",
    )
    user.password_hash = hash_password(new_password)
    revoke_other_sessions(user, keep)


def update_profile(user: User, fields: dict[str, Any]) -> User:
    # As a merge patch: `{"dietary": {"diets": [...]}}` must not wipe the declared allergens.
    dietary = fields.pop("dietary", None) or {}
    if "diets" in dietary:
        user.diets = dietary["diets"]
    if "allergens" in dietary:
        user.allergens = dietary["allergens"]
    for name, value in fields.items():
        setattr(user, name, value)
    db.session.commit()
    return user


def _refuse_if_last_moderator(user: User) -> None:
    """Like leaving: a neighbourhood with other members must keep a moderator."""
    from sqlalchemy import func

    from neighbours.neighbourhoods.models import Membership, MembershipStatus, Role

    mine = (
        select(Membership.neighbourhood_id)
        .where(
            Membership.user_id == user.id,
            Membership.status == MembershipStatus.ACTIVE,
            Membership.role == Role.MODERATOR,
        )
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            Membership.neighbourhood_id,
            func.count().filter(Membership.role == Role.MODERATOR),
            func.count(),
        )
        .where(Membership.neighbourhood_id.in_(mine), Membership.status == MembershipStatus.ACTIVE)
        .group_by(Membership.neighbourhood_id)
    ).all()
    stranded = [nid for nid, moderators, members in rows if moderators <= 1 and members > 1]
    if stranded:
        ids = ", ".join(str(n) for n in stranded)
        raise Conflict(
            f"You are the last moderator of neighbourhood {ids}, which has other members; "
            "appoint another moderator before deleting your account."
        )


def delete_account(user: User, password: str) -> None:
    """Anonymise the account: what they wrote stays, as written by a former neighbour."""
    from neighbours.neighbourhoods.models import Membership, MembershipStatus, Role

    if not verify_password(user.password_hash, password):
        raise WrongPassword("password")
    _refuse_if_last_moderator(user)
    from neighbours.meals.services import end_hosting, withdraw_future_signups

    # Their seats go to the waitlist now, not when the meal comes; their hosting ends.
    withdraw_future_signups(user)
    end_hosting(user.id)
    now = utcnow()
    user.email = None
    user.password_hash = None
    user.display_name = FORMER_NEIGHBOUR
    user.bio = None
    user.avatar_url = None
    user.languages = []
    user.diets = []
    user.allergens = []
    user.deleted_at = now
    db.session.execute(
        update(AccessToken)
        .where(AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    db.session.execute(
        update(Membership)
        .where(
            Membership.user_id == user.id,
            Membership.status.in_([MembershipStatus.ACTIVE, MembershipStatus.PENDING]),
        )
        .values(status=MembershipStatus.LEFT, role=Role.MEMBER)
    )
    db.session.execute(delete(Block).where(Block.blocker_id == user.id))
    publish_control("disconnect", user_id=user.id)
    publish_membership_change(user.id)
    db.session.commit()


def export(user: User) -> dict[str, Any]:
    """Everything stored about the caller, as one JSON document."""
    from neighbours.accounts.schemas import PrivateUserSchema
    from neighbours.neighbourhoods.models import Membership
    from neighbours.notifications.models import Notification

    memberships = db.session.execute(
        select(Membership).where(Membership.user_id == user.id).order_by(Membership.id)
    ).scalars()
    tokens = db.session.execute(
        select(AccessToken).where(AccessToken.user_id == user.id).order_by(AccessToken.id)
    ).scalars()
    blocks = db.session.execute(
        select(Block).where(Block.blocker_id == user.id).order_by(Block.created_at)
    ).scalars()
    notifications = db.session.execute(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    ).scalars()

    def when(value: Any) -> str | None:
        return value.isoformat().replace("+00:00", "Z") if value else None

    return {
        "exported_at": when(utcnow()),
        "profile": PrivateUserSchema().dump(private_view(user)),
        "memberships": [
            {
                "neighbourhood_id": m.neighbourhood_id,
                "role": m.role.value,
                "status": m.status.value,
                "message": m.message,
                "created_at": when(m.created_at),
            }
            for m in memberships
        ],
        "sessions": [
            {
                "id": t.id,
                "created_at": when(t.created_at),
                "expires_at": when(t.expires_at),
                "revoked_at": when(t.revoked_at),
                "user_agent": t.user_agent,
                "ip": t.ip,
            }
            for t in tokens
        ],
        "blocked_users": [
            {"user_id": b.blocked_id, "created_at": when(b.created_at)} for b in blocks
        ],
        "notifications": [
            {
                "id": n.id,
                "type": n.type,
                "payload": n.payload,
                "created_at": when(n.created_at),
                "read_at": when(n.read_at),
            }
            for n in notifications
        ],
        **_authored(user),
    }


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _dump_rows(model: Any, columns: list[str], *where: Any) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(*[getattr(model, c) for c in columns])
        .where(*where)
        .order_by(*[getattr(model, c) for c in columns[:1]])
    ).all()
    return [{c: _plain(v) for c, v in zip(columns, row, strict=True)} for row in rows]


def _authored(user: User) -> dict[str, list[dict[str, Any]]]:
    """What the caller wrote or did in the other features, one query per section."""
    from neighbours.feed.models import Comment, Post, Reaction
    from neighbours.meals.models import Signup
    from neighbours.messages.models import Message, Participant
    from neighbours.moderation.models import Report

    return {
        "posts": _dump_rows(
            Post,
            [
                "id",
                "neighbourhood_id",
                "category",
                "title",
                "body",
                "status",
                "created_at",
                "edited_at",
            ],
            Post.author_id == user.id,
        ),
        "comments": _dump_rows(
            Comment,
            ["id", "post_id", "reply_to_id", "body", "status", "created_at", "edited_at"],
            Comment.author_id == user.id,
        ),
        "reactions": _dump_rows(
            Reaction, ["post_id", "kind", "created_at"], Reaction.user_id == user.id
        ),
        "signups": _dump_rows(
            Signup,
            [
                "id",
                "meal_id",
                "party_size",
                "note",
                "status",
                "attendance",
                "contribution_cents",
                "created_at",
                "confirmed_at",
                "cancelled_at",
            ],
            Signup.user_id == user.id,
        ),
        "conversations": _dump_rows(
            Participant,
            ["conversation_id", "joined_at", "left_at", "last_read_message_id"],
            Participant.user_id == user.id,
        ),
        "messages": _dump_rows(
            Message,
            ["id", "conversation_id", "body", "status", "created_at"],
            Message.author_id == user.id,
        ),
        "reports": _dump_rows(
            Report,
            ["id", "target_type", "target_id", "reason", "details", "open", "created_at"],
            Report.reporter_id == user.id,
        ),
    }


def visible_user(viewer: User, user_id: int) -> User:
    """Another user's public profile is visible to people who share a neighbourhood."""
    user = db.session.get(User, user_id)
    if (
        user is None
        or user.is_deleted
        or not (viewer.is_admin or neighbourhood_policies.share_a_neighbourhood(viewer.id, user_id))
    ):
        raise NotFound()
    return user


def block(blocker: User, user_id: int) -> None:
    if user_id == blocker.id:
        raise Invalid("user_id", "You cannot block yourself.", location="path")
    visible_user(blocker, user_id)
    if db.session.get(Block, (blocker.id, user_id)) is None:
        db.session.add(Block(blocker_id=blocker.id, blocked_id=user_id))
        try:
            db.session.commit()
        except IntegrityError:  # a concurrent identical block: already done
            db.session.rollback()


def unblock(blocker: User, user_id: int) -> None:
    result = db.session.execute(
        delete(Block).where(Block.blocker_id == blocker.id, Block.blocked_id == user_id)
    )
    db.session.commit()
    if result.rowcount == 0:
        raise NotFound("You have not blocked this user.")


def list_blocks(user: User, *, limit: int, after: str | None) -> Page[Any]:
    stmt = (
        select(Block, User)
        .join(User, User.id == Block.blocked_id)
        .where(Block.blocker_id == user.id)
    )
    page = paginate(
        db.session,
        stmt,
        [SortKey(Block.blocked_id)],
        lambda row: [row[0].blocked_id],
        limit=limit,
        after=after,
        scalars=False,
    )
    return Page([{"user": u, "created_at": b.created_at} for b, u in page.items], page.next_cursor)


def is_blocked(blocker_id: int, blocked_id: int) -> bool:
    """Whether `blocker_id` has blocked `blocked_id`."""
    return db.session.get(Block, (blocker_id, blocked_id)) is not None
