"""Account rules: registration, sessions, profiles, deletion, blocking.

The export is in `export`; what other features do about an account is told through `hooks`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from zxcvbn import zxcvbn

from neighbours.accounts import hooks
from neighbours.accounts.badges import badges
from neighbours.accounts.guard import WrongPassword
from neighbours.accounts.models import AccessToken, Block, User
from neighbours.accounts.password_advice import advice
from neighbours.accounts.schemas import person
from neighbours.auth import hash_password, issue_token, verify_password
from neighbours.database import utcnow
from neighbours.errors import Conflict, Invalid, NotFound, Unauthorized
from neighbours.extensions import db
from neighbours.i18n import requested_language
from neighbours.pagination import Page, SortKey, paginate
from neighbours.realtime import eventlog
from neighbours.realtime.publish import publish_control, publish_membership_change
from neighbours.views import View

MIN_PASSWORD_SCORE = 3
ZXCVBN_MAX_LENGTH = 72
FORMER_NEIGHBOUR = "A former neighbour"


@dataclass
class PrivateView(View, row="user"):
    """A user with their memberships, as `/me` shows them."""

    user: User
    memberships: list[Any]
    badges: dict[str, int]


def private_view(user: User) -> PrivateView:
    """Me, with the memberships the features above list (`hooks.profile_memberships`)."""
    memberships: list[Any] = []
    for listed in hooks.profile_memberships.callbacks():
        memberships.extend(listed(user))
    return PrivateView(user, memberships, badges(user.id))


def check_password_strength(
    password: str, *, user_inputs: list[str], field: str = "password"
) -> None:
    """Refuse short, common or easily guessed passwords, with zxcvbn's advice."""
    if len(password) < 12:
        raise Invalid(field, _l("Use at least 12 characters."), reason="weak_password")
    # zxcvbn refuses more than 72 characters (its cost grows with length), while passwords
    # may have up to 128: score the first 72. A strong start makes a strong password, and
    # a weak one (a repeated character, a phrase from a list) stays weak however it goes on.
    result = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=[u for u in user_inputs if u])
    if result["score"] < MIN_PASSWORD_SCORE:
        raise Invalid(field, advice(result.get("feedback") or {}), reason="weak_password")


_EMAIL_TAKEN = _l("An account with this email already exists.")


def _normalise_email(email: str) -> str:
    return email.strip().lower()


def remember_language(user: User) -> bool:
    """Keep the language this request asks for (`Accept-Language`) as the user's
    `last_language`, the one live texts use without a `locale`; set only when it changes (the
    caller commits). True when it changed."""
    asked = requested_language()
    if asked is None or asked == user.last_language:
        return False
    user.last_language = asked
    return True


def register(email: str, password: str, display_name: str) -> User:
    email = _normalise_email(email)
    check_password_strength(password, user_inputs=[email, email.split("@")[0], display_name])
    if db.session.execute(select(User.id).where(User.email == email)).first():
        raise Conflict(_EMAIL_TAKEN, reason="email_taken")
    user = User(
        email=email,
        password_hash=hash_password(password),
        display_name=display_name,
        languages=[],
        diets=[],
        allergens=[],
    )
    remember_language(user)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_EMAIL_TAKEN, reason="email_taken") from None
    return user


def login(
    email: str, password: str, *, user_agent: str | None, ip: str | None
) -> tuple[str, AccessToken]:
    """One answer for an unknown email and a wrong password, in the same time."""
    user = db.session.execute(
        select(User).where(User.email == _normalise_email(email), User.deleted_at.is_(None))
    ).scalar_one_or_none()
    if not verify_password(user.password_hash if user else None, password) or user is None:
        raise Unauthorized(_l("Wrong email or password."), reason="wrong_credentials")
    token, row = issue_token(user, user_agent=user_agent, ip=ip)
    remember_language(user)
    db.session.commit()
    return token, row


def logout(token: AccessToken, *, reason: str = "logged_out") -> None:
    """Revoke this session's token and cut its live sockets on every process (each told
    `session:ended {reason}` first)."""
    token.revoked_at = utcnow()
    publish_control("disconnect", user_id=token.user_id, token_id=token.id, reason=reason)
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
    logout(token, reason="revoked")


def revoke_other_sessions(user: User, keep: AccessToken | None) -> int:
    """End every session but `keep`; returns how many were ended."""
    others = [t for t in active_sessions(user) if keep is None or t.id != keep.id]
    now = utcnow()
    for token in others:
        token.revoked_at = now
        publish_control("disconnect", user_id=user.id, token_id=token.id, reason="revoked")
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
    renamed = any(
        name in fields and fields[name] != getattr(user, name)
        for name in ("display_name", "avatar_url")
    )
    for name, value in fields.items():
        setattr(user, name, value)
    if renamed:
        # A replay shows the name and picture as the API does now, not as they were.
        eventlog.rename_person(db.session, person(user))
    db.session.commit()
    return user


def delete_account(user: User, password: str) -> None:
    """Anonymise the account: what they wrote stays, as written by a former neighbour.

    The features above take part through `hooks`: they may refuse (`deletion_guards`), let go
    of what the account holds (`deleting`: seats, hosting) and end what it belongs to
    (`deleted`: memberships), all in this transaction.
    """
    if not verify_password(user.password_hash, password):
        raise WrongPassword("password")
    for refuse_if in hooks.deletion_guards.callbacks():
        refuse_if(user)
    for let_go in hooks.deleting.callbacks():
        let_go(user)
    now = utcnow()
    user.email = None
    user.password_hash = None
    user.display_name = FORMER_NEIGHBOUR
    user.bio = None
    user.locale = None
    user.last_language = None
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
    for end in hooks.deleted.callbacks():
        end(user)
    db.session.execute(delete(Block).where(Block.blocker_id == user.id))
    publish_control("disconnect", user_id=user.id, reason="deleted")
    publish_membership_change(user.id)
    db.session.commit()


def visible_user(viewer: User, user_id: int) -> User:
    """Another user's public profile is visible to people who share a neighbourhood."""
    user = db.session.get(User, user_id)
    if (
        user is None
        or user.is_deleted
        or not (
            viewer.is_admin
            or any(visible(viewer.id, user_id) for visible in hooks.profile_visible.callbacks())
        )
    ):
        raise NotFound()
    return user


def block(blocker: User, user_id: int) -> None:
    if user_id == blocker.id:
        raise Invalid(
            "user_id", _l("You cannot block yourself."), reason="block_self", location="path"
        )
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
        raise NotFound(_l("You have not blocked this user."), reason="not_blocked")


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
