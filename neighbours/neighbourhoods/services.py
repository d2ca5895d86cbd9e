"""Neighbourhood rules and their transaction boundaries."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, func, literal, select, update
from sqlalchemy.exc import IntegrityError

from neighbours.accounts.models import User
from neighbours.database import utcnow
from neighbours.errors import Conflict, Invalid, NotFound
from neighbours.extensions import db
from neighbours.neighbourhoods import hooks, policies
from neighbours.neighbourhoods.log import record
from neighbours.neighbourhoods.models import (
    HOSTING_ROLES,
    Invite,
    JoinPolicy,
    Membership,
    MembershipStatus,
    Neighbourhood,
    Role,
)
from neighbours.pagination import Page, SortKey, paginate
from neighbours.realtime.publish import publish_membership_change
from neighbours.views import View

EARTH_RADIUS_M = 6_371_000.0
# No look-alikes: no 0/O, 1/I/L, 2/Z, 5/S, 8/B.
INVITE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
INVITE_LENGTH = 6


@dataclass
class NeighbourhoodView(View, row="neighbourhood"):
    neighbourhood: Neighbourhood
    member_count: int
    distance_m: float | None = None
    my_membership: Membership | None = None


def create_neighbourhood(user: User, fields: dict[str, Any]) -> NeighbourhoodView:
    """Create a neighbourhood; its creator becomes its first moderator."""
    neighbourhood = Neighbourhood(created_by_id=user.id, **fields)
    membership = Membership(
        neighbourhood=neighbourhood,
        user_id=user.id,
        role=Role.MODERATOR,
        status=MembershipStatus.ACTIVE,
    )
    db.session.add_all([neighbourhood, membership])
    publish_membership_change(user.id)
    db.session.commit()
    return NeighbourhoodView(neighbourhood, 1, my_membership=membership)


def _distance_expr(lat: float, lon: float) -> ColumnElement[float]:
    """Great-circle distance in metres (haversine), in SQL so it can order and paginate."""
    dlat = func.radians(Neighbourhood.latitude - lat) / 2
    dlon = func.radians(Neighbourhood.longitude - lon) / 2
    a = func.sin(dlat) * func.sin(dlat) + math.cos(math.radians(lat)) * func.cos(
        func.radians(Neighbourhood.latitude)
    ) * func.sin(dlon) * func.sin(dlon)
    return (2 * EARTH_RADIUS_M) * func.asin(func.sqrt(func.least(literal(1.0), a)))


def _member_counts():  # type: ignore[no-untyped-def]
    return (
        select(Membership.neighbourhood_id, func.count().label("n"))
        .where(Membership.status == MembershipStatus.ACTIVE)
        .group_by(Membership.neighbourhood_id)
        .subquery()
    )


def list_neighbourhoods(
    *,
    near: tuple[float, float] | None,
    within_m: int,
    q: str | None,
    limit: int,
    after: str | None,
) -> Page[NeighbourhoodView]:
    """Nearest first when `near` is given (within `within_m`), else by name."""
    counts = _member_counts()
    count_col = func.coalesce(counts.c.n, 0)
    conditions = []
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(Neighbourhood.name.ilike(f"%{escaped}%", escape="\\"))
    if near is not None:
        lat, lon = near
        distance = _distance_expr(lat, lon)
        # A bounding box first, so the (latitude, longitude) index narrows the scan.
        dlat = math.degrees(within_m / EARTH_RADIUS_M)
        dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
        conditions += [
            Neighbourhood.latitude.between(lat - dlat, lat + dlat),
            Neighbourhood.longitude.between(lon - dlon, lon + dlon),
            distance <= within_m,
        ]
        keys = [SortKey(distance), SortKey(Neighbourhood.id)]
        stmt = select(Neighbourhood, count_col, distance)
    else:
        keys = [SortKey(Neighbourhood.name), SortKey(Neighbourhood.id)]
        stmt = select(Neighbourhood, count_col, literal(None))
    stmt = stmt.outerjoin(counts, counts.c.neighbourhood_id == Neighbourhood.id)
    if conditions:
        stmt = stmt.where(and_(*conditions))

    def key_of(row: Any) -> list[Any]:
        return [row[2], row[0].id] if near is not None else [row[0].name, row[0].id]

    page = paginate(db.session, stmt, keys, key_of, limit=limit, after=after, scalars=False)
    return Page(
        [NeighbourhoodView(n, count, dist) for n, count, dist in page.items], page.next_cursor
    )


def get_neighbourhood_view(user: User, neighbourhood_id: int) -> NeighbourhoodView:
    neighbourhood = policies.get_neighbourhood(neighbourhood_id)
    count = db.session.execute(
        select(func.count()).where(
            Membership.neighbourhood_id == neighbourhood.id,
            Membership.status == MembershipStatus.ACTIVE,
        )
    ).scalar_one()
    mine = db.session.execute(
        select(Membership).where(
            Membership.neighbourhood_id == neighbourhood.id, Membership.user_id == user.id
        )
    ).scalar_one_or_none()
    return NeighbourhoodView(neighbourhood, count, my_membership=mine)


def _membership_of(neighbourhood_id: int, user_id: int, *, lock: bool = False) -> Membership | None:
    stmt = select(Membership).where(
        Membership.neighbourhood_id == neighbourhood_id, Membership.user_id == user_id
    )
    if lock:
        stmt = stmt.with_for_update()
    return db.session.execute(stmt).scalar_one_or_none()


def _redeem_invite(neighbourhood: Neighbourhood, code: str, user: User) -> bool:
    """Use a single-use code atomically: only one caller can flip `used_at`."""
    result = db.session.execute(
        update(Invite)
        .where(
            Invite.neighbourhood_id == neighbourhood.id,
            Invite.code == code.strip().upper(),
            Invite.used_at.is_(None),
            Invite.expires_at > utcnow(),
        )
        .values(used_at=utcnow(), used_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


_ALREADY = {
    MembershipStatus.ACTIVE: _l("You are already active in this neighbourhood."),
    MembershipStatus.PENDING: _l("You are already pending in this neighbourhood."),
}
_NOT_PENDING = {
    MembershipStatus.ACTIVE: _l("This membership is active, not pending."),
    MembershipStatus.DECLINED: _l("This membership is declined, not pending."),
    MembershipStatus.LEFT: _l("This membership is left, not pending."),
}
_NO_MEMBERSHIP = _l("This person has no membership in this neighbourhood.")


def join(
    user: User, neighbourhood_id: int, *, invite_code: str | None, message: str | None
) -> Membership:
    """Join under the neighbourhood's policy: open -> active, approval -> pending,
    invite -> active with a valid code. A valid code also skips approval."""
    neighbourhood = policies.get_neighbourhood(neighbourhood_id)
    existing = _membership_of(neighbourhood.id, user.id)
    if existing is not None and existing.status in (
        MembershipStatus.ACTIVE,
        MembershipStatus.PENDING,
    ):
        raise Conflict(_ALREADY[existing.status], reason="already_member")

    invited = False
    if invite_code:
        if not _redeem_invite(neighbourhood, invite_code, user):
            raise Invalid(
                "invite_code",
                _l("This code is not valid, was used, or has expired."),
                reason="invite_invalid",
            )
        invited = True
    elif neighbourhood.join_policy == JoinPolicy.INVITE:
        raise Invalid(
            "invite_code",
            _l("This neighbourhood is joined by invitation only."),
            reason="invite_required",
        )
    elif (
        existing is not None
        and existing.status == MembershipStatus.DECLINED
        and (neighbourhood.join_policy == JoinPolicy.APPROVAL)
    ):
        raise Conflict(
            _l("Your request to join was declined; ask a moderator for an invitation."),
            reason="join_declined",
        )

    active = invited or neighbourhood.join_policy == JoinPolicy.OPEN
    status = MembershipStatus.ACTIVE if active else MembershipStatus.PENDING
    membership = existing or Membership(neighbourhood_id=neighbourhood.id, user_id=user.id)
    membership.status = status
    membership.role = Role.MEMBER
    membership.message = message
    membership.decided_by_id = None
    membership.decided_at = utcnow() if active else None
    db.session.add(membership)
    if active:
        publish_membership_change(user.id)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(
            _l("You already have a membership in this neighbourhood."), reason="already_member"
        ) from None
    return membership


def create_invite(user: User, neighbourhood_id: int) -> Invite:
    neighbourhood = policies.get_neighbourhood(neighbourhood_id)
    policies.require_moderator(user, neighbourhood)
    ttl = timedelta(hours=current_app.config["INVITE_TTL_HOURS"])
    for _ in range(10):
        code = "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))
        invite = Invite(
            neighbourhood_id=neighbourhood.id,
            code=code,
            created_by_id=user.id,
            expires_at=utcnow() + ttl,
        )
        db.session.add(invite)
        try:
            db.session.commit()
            return invite
        except IntegrityError:  # a code collision: draw again
            db.session.rollback()
    raise Conflict(
        _l("Could not draw a free invite code; try again."), reason="invite_code_exhausted"
    )


def list_members(
    user: User,
    neighbourhood_id: int,
    *,
    status: MembershipStatus,
    limit: int,
    after: str | None,
) -> Page[Membership]:
    """Active members for members; pending requests for moderators only."""
    neighbourhood = policies.get_neighbourhood(neighbourhood_id)
    policies.require_member(user, neighbourhood)
    if status != MembershipStatus.ACTIVE:
        policies.require_moderator(user, neighbourhood)
    stmt = (
        select(Membership)
        .join(Membership.user)
        .where(Membership.neighbourhood_id == neighbourhood.id, Membership.status == status)
        .options(db.contains_eager(Membership.user))
    )
    return paginate(
        db.session, stmt, [SortKey(Membership.id)], lambda m: [m.id], limit=limit, after=after
    )


def _target_membership(neighbourhood_id: int, user_id: int) -> Membership:
    membership = _membership_of(neighbourhood_id, user_id, lock=True)
    if membership is None:
        raise NotFound(_NO_MEMBERSHIP, reason="no_membership")
    return membership


def decide_request(
    moderator: User, neighbourhood_id: int, user_id: int, *, approve: bool
) -> Membership:
    """Approve or decline a pending request to join."""
    neighbourhood = policies.get_neighbourhood(neighbourhood_id)
    policies.require_moderator(moderator, neighbourhood)
    membership = _target_membership(neighbourhood.id, user_id)
    if membership.status != MembershipStatus.PENDING:
        raise Conflict(_NOT_PENDING[membership.status], reason="not_pending")
    membership.status = MembershipStatus.ACTIVE if approve else MembershipStatus.DECLINED
    membership.decided_by_id = moderator.id
    membership.decided_at = utcnow()
    for notify in hooks.notify.callbacks():
        notify(
            user_id,
            "membership_approved" if approve else "membership_declined",
            {"neighbourhood_id": neighbourhood.id, "neighbourhood_name": neighbourhood.name},
        )
    if approve:
        publish_membership_change(user_id)
    record(
        moderator,
        neighbourhood.id,
        "approve_member" if approve else "decline_member",
        "user",
        user_id,
        None,
    )
    db.session.commit()
    return membership


def _moderator_count(neighbourhood_id: int) -> int:
    """Count the moderators, locking their rows: two moderators demoting each other at once
    can't leave the neighbourhood with none."""
    return len(
        db.session.execute(
            select(Membership.id)
            .where(
                Membership.neighbourhood_id == neighbourhood_id,
                Membership.status == MembershipStatus.ACTIVE,
                Membership.role == Role.MODERATOR,
            )
            .with_for_update()
        ).all()
    )


def change_role(moderator: User, neighbourhood_id: int, user_id: int, role: Role) -> Membership:
    neighbourhood = policies.get_neighbourhood(neighbourhood_id)
    policies.require_moderator(moderator, neighbourhood)
    membership = _target_membership(neighbourhood.id, user_id)
    if membership.status != MembershipStatus.ACTIVE:
        raise Conflict(_l("Only active members can be given a role."), reason="not_active_member")
    if (
        membership.role == Role.MODERATOR
        and role != Role.MODERATOR
        and _moderator_count(neighbourhood.id) <= 1
    ):
        raise Conflict(
            _l("A neighbourhood needs at least one moderator; appoint another first."),
            reason="last_moderator",
        )
    if membership.role != role:
        record(
            moderator,
            neighbourhood.id,
            "change_role",
            "user",
            user_id,
            None,
            previous=membership.role.value,
            role=role.value,
        )
        membership.role = role
        publish_membership_change(user_id)  # the moderators' room follows the role
        if role not in HOSTING_ROLES:
            for end_hosting in hooks.hosting_ended.callbacks():
                end_hosting(user_id, neighbourhood.id)
    db.session.commit()
    return membership


def leave(user: User, neighbourhood_id: int) -> None:
    neighbourhood = policies.get_neighbourhood(neighbourhood_id)
    membership = _membership_of(neighbourhood.id, user.id, lock=True)
    if membership is None or membership.status not in (
        MembershipStatus.ACTIVE,
        MembershipStatus.PENDING,
    ):
        raise NotFound()
    if membership.status == MembershipStatus.ACTIVE and membership.role == Role.MODERATOR:
        others = db.session.execute(
            select(func.count()).where(
                Membership.neighbourhood_id == neighbourhood.id,
                Membership.status == MembershipStatus.ACTIVE,
                Membership.user_id != user.id,
            )
        ).scalar_one()
        if others and _moderator_count(neighbourhood.id) <= 1:
            raise Conflict(
                _l("You are the last moderator; appoint another before leaving."),
                reason="last_moderator",
            )
    _end_membership(membership, actor_id=user.id)
    db.session.commit()


def remove_member(moderator: User, neighbourhood_id: int, user_id: int) -> None:
    """A moderator removes an active member (or a pending request): as if they had left."""
    neighbourhood = policies.get_neighbourhood(neighbourhood_id)
    policies.require_moderator(moderator, neighbourhood)
    membership = _target_membership(neighbourhood.id, user_id)
    if membership.status not in (MembershipStatus.ACTIVE, MembershipStatus.PENDING):
        raise NotFound(_NO_MEMBERSHIP, reason="no_membership")
    if membership.user_id == moderator.id:
        raise Conflict(
            _l("To leave, use DELETE /neighbourhoods/{id}/members/me."), reason="use_leave"
        )
    if membership.status == MembershipStatus.ACTIVE and membership.role == Role.MODERATOR:
        raise Conflict(
            _l("Change this moderator's role before removing them."), reason="moderator_removal"
        )
    record(moderator, neighbourhood.id, "remove_member", "user", user_id, None)
    _end_membership(membership, actor_id=moderator.id)
    db.session.commit()


def _end_membership(membership: Membership, *, actor_id: int) -> None:
    """Every end of an active membership: what the features above tie to it ends
    (`hooks.membership_ending`; meals: future seats go to the waitlist, hosting ends), and its
    sockets leave the neighbourhood's rooms (after commit)."""
    if membership.status == MembershipStatus.ACTIVE:
        for ending in hooks.membership_ending.callbacks():
            ending(membership.user, membership.neighbourhood_id, actor_id)
    membership.status = MembershipStatus.LEFT
    membership.role = Role.MEMBER
    publish_membership_change(membership.user_id)


def memberships_of(user: User) -> list[Membership]:
    """The caller's active and pending memberships, with their neighbourhoods, in one query."""
    return list(
        db.session.execute(
            select(Membership)
            .join(Membership.neighbourhood)
            .where(
                Membership.user_id == user.id,
                Membership.status.in_([MembershipStatus.ACTIVE, MembershipStatus.PENDING]),
            )
            .options(db.contains_eager(Membership.neighbourhood))
            .order_by(Membership.id)
        ).scalars()
    )
