"""Who may see and do what in a neighbourhood. Lists and single objects use the same rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import g, has_app_context, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, event, exists, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session

from neighbours.accounts.models import User
from neighbours.database import utcnow
from neighbours.errors import Forbidden, NotFound
from neighbours.extensions import db
from neighbours.neighbourhoods.models import (
    Membership,
    MembershipStatus,
    Neighbourhood,
    Role,
    Suspension,
)

# --- one membership lookup per request ----------------------------------------------------
# Every policy below asks `active_membership` (and `is_suspended`); within one request each is
# read from the database once per (user, neighbourhood) and kept on `flask.g`, tied to that
# request, or taken from the request's token query, which brings the membership of the
# neighbourhood the path names along (`neighbourhoods.prefetch`). The memo is forgotten
# whenever a membership or a suspension may have changed: a flush that writes one, an
# UPDATE/DELETE/INSERT on their tables, and every commit or rollback (a later read may see
# another request's change). Nothing is kept from one request to the next.

_MEMO = "neighbours_memberships"


@dataclass
class _Memo:
    memberships: dict[tuple[int, int], Membership | None] = field(default_factory=dict)
    suspended: dict[tuple[int, int], bool] = field(default_factory=dict)
    # Rows the token query loaded (the neighbourhood the path names), held so that the
    # session, which holds its rows only weakly, still has them when a policy asks.
    held: list[Any] = field(default_factory=list)


def _memo() -> _Memo | None:
    """This request's memberships read so far; None outside a request (no memo)."""
    if not has_request_context():
        return None
    current = request._get_current_object()  # type: ignore[attr-defined]
    held = g.get(_MEMO)
    # Tied to the request object: an app context shared by several requests (tests) or a
    # socket event's own request never sees another request's memo.
    if held is None or held[0] is not current:
        held = (current, _Memo())
        setattr(g, _MEMO, held)
    return held[1]


def forget_memberships() -> None:
    """Drop the memo: the next policy reads memberships from the database again."""
    if has_app_context():
        g.pop(_MEMO, None)


def remember(
    user_id: int,
    neighbourhood_id: int,
    membership: Membership | None,
    suspended: bool,
    neighbourhood: Neighbourhood | None = None,
) -> None:
    """Keep, for this request, what the caller's token query found (`prefetch`): their active
    membership of a neighbourhood (or None), whether a suspension there is in force, and the
    neighbourhood's row when it was read too."""
    memo = _memo()
    if memo is not None:
        memo.memberships[(user_id, neighbourhood_id)] = membership
        memo.suspended[(user_id, neighbourhood_id)] = suspended
        if neighbourhood is not None:
            memo.held.append(neighbourhood)


def _still_active(membership: Membership, user_id: int, neighbourhood_id: int) -> bool:
    state = inspect(membership)
    if state.deleted or state.detached or state.was_deleted or "status" in state.expired_attributes:
        return False
    return (
        membership.status == MembershipStatus.ACTIVE
        and membership.user_id == user_id
        and membership.neighbourhood_id == neighbourhood_id
    )


_WATCHED = (Membership, Suspension)


@event.listens_for(Session, "after_flush")
def _membership_flushed(session: Session, _context: Any) -> None:
    if any(isinstance(o, _WATCHED) for o in (*session.new, *session.dirty, *session.deleted)):
        forget_memberships()


@event.listens_for(Session, "do_orm_execute")
def _membership_statement(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete or state.is_insert) and (
        state.bind_mapper is not None and state.bind_mapper.class_ in _WATCHED
    ):
        forget_memberships()


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _transaction_ended(*_args: Any) -> None:
    forget_memberships()


def active_membership(user: User, neighbourhood_id: int) -> Membership | None:
    """The caller's active membership of a neighbourhood, if any (read once per request)."""
    memo = _memo()
    key = (user.id, neighbourhood_id)
    if memo is not None and key in memo.memberships:
        known = memo.memberships[key]
        if known is None or _still_active(known, user.id, neighbourhood_id):
            return known
    membership = db.session.execute(
        select(Membership).where(
            Membership.neighbourhood_id == neighbourhood_id,
            Membership.user_id == user.id,
            Membership.status == MembershipStatus.ACTIVE,
        )
    ).scalar_one_or_none()
    memo = _memo()  # the query's autoflush may have dropped the memo
    if memo is not None:
        memo.memberships[key] = membership
    return membership


def active_neighbourhood_ids(user_id: int) -> Select[tuple[int]]:
    """A subquery of the neighbourhoods a user is an active member of (for list filters)."""
    return select(Membership.neighbourhood_id).where(
        Membership.user_id == user_id, Membership.status == MembershipStatus.ACTIVE
    )


def get_neighbourhood(neighbourhood_id: int) -> Neighbourhood:
    """Neighbourhoods are public for discovery: any signed-in user may see one that exists."""
    neighbourhood = db.session.get(Neighbourhood, neighbourhood_id)
    if neighbourhood is None:
        raise NotFound()
    return neighbourhood


def require_member(user: User, neighbourhood: Neighbourhood) -> Membership | None:
    """Reading inside a neighbourhood needs an active membership (site admins pass).

    The neighbourhood itself is public, so a non-member gets 403, not 404.
    """
    membership = active_membership(user, neighbourhood.id)
    if membership is None and not user.is_admin:
        raise Forbidden(
            _l("Only active members of this neighbourhood can do this."), reason="not_a_member"
        )
    return membership


def is_moderator(user: User, neighbourhood_id: int) -> bool:
    """A moderator of this neighbourhood, right now: an active moderator membership and no
    suspension in force (a suspended moderator moderates nothing until it ends)."""
    if user.is_admin:
        return True
    membership = active_membership(user, neighbourhood_id)
    return (
        membership is not None
        and membership.role == Role.MODERATOR
        and can_write_membership(membership)
    )


def require_moderator(user: User, neighbourhood: Neighbourhood) -> None:
    """Moderator of this neighbourhood (or site admin); members get 403, outsiders 403 too."""
    if not is_moderator(user, neighbourhood.id):
        raise Forbidden(
            _l("Only moderators of this neighbourhood can do this."), reason="not_a_moderator"
        )


def can_write(user: User, neighbourhood_id: int) -> bool:
    """Whether an active member may post, comment, react, sign up or message here.

    A suspended member still reads, but can't write until the suspension ends.
    """
    if user.is_admin:
        return True
    membership = active_membership(user, neighbourhood_id)
    return membership is not None and can_write_membership(membership)


def share_a_neighbourhood(user_id: int, other_id: int) -> bool:
    """True when both users are active members of at least one common neighbourhood."""
    if user_id == other_id:
        return True
    mine = active_neighbourhood_ids(user_id)
    return bool(
        db.session.execute(
            select(
                exists().where(
                    Membership.user_id == other_id,
                    Membership.status == MembershipStatus.ACTIVE,
                    Membership.neighbourhood_id.in_(mine),
                )
            )
        ).scalar()
    )


def suspension_in_force(now: Any = None) -> Any:
    """A condition on `Suspension` rows: lifted by nobody and not yet ended (at `now`, a
    moment or a bind parameter; by default this one)."""
    return (Suspension.lifted_at.is_(None)) & (
        Suspension.ends_at > (utcnow() if now is None else now)
    )


def active_suspension(user_id: int, neighbourhood_id: int) -> Suspension | None:
    """The suspension in force for a member of a neighbourhood, if any (moderation decides
    them; they live here because writing and the live rooms depend on them)."""
    return db.session.execute(
        select(Suspension)
        .where(
            Suspension.user_id == user_id,
            Suspension.neighbourhood_id == neighbourhood_id,
            suspension_in_force(),
        )
        .order_by(Suspension.ends_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def is_suspended(user_id: int, neighbourhood_id: int) -> bool:
    """Whether a suspension is in force for this member here (read once per request, as
    memberships are: forgotten when a suspension is written, and at every commit)."""
    memo = _memo()
    key = (user_id, neighbourhood_id)
    if memo is not None and key in memo.suspended:
        return memo.suspended[key]
    suspended = active_suspension(user_id, neighbourhood_id) is not None
    memo = _memo()  # the query's autoflush may have dropped the memo
    if memo is not None:
        memo.suspended[key] = suspended
    return suspended


def can_write_membership(membership: Membership) -> bool:
    """Whether this membership lets its holder write and be in the neighbourhood's live rooms."""
    return membership.status == MembershipStatus.ACTIVE and not is_suspended(
        membership.user_id, membership.neighbourhood_id
    )
