"""What a neighbourhood membership means to an account: refusing its deletion while it is the
last moderator, ending its memberships, its section of the export.

Registered on `neighbours.accounts.hooks` by `neighbours.wiring`.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from neighbours.accounts.models import User
from neighbours.errors import Conflict
from neighbours.extensions import db
from neighbours.neighbourhoods.models import Membership, MembershipStatus, Role
from neighbours.timefmt import iso


def refuse_if_last_moderator(user: User) -> None:
    """Like leaving: a neighbourhood with other members must keep a moderator."""
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
            _l(
                "You are the last moderator of neighbourhood %(ids)s, which has other members; "
                "appoint another moderator before deleting your account.",
                ids=ids,
            ),
            reason="last_moderator",
        )


def end_memberships(user: User) -> None:
    """A deleted account leaves every neighbourhood (and withdraws pending requests)."""
    db.session.execute(
        update(Membership)
        .where(
            Membership.user_id == user.id,
            Membership.status.in_([MembershipStatus.ACTIVE, MembershipStatus.PENDING]),
        )
        .values(status=MembershipStatus.LEFT, role=Role.MEMBER)
    )


def export_section(user: User) -> dict[str, Any]:
    memberships = db.session.execute(
        select(Membership).where(Membership.user_id == user.id).order_by(Membership.id)
    ).scalars()
    return {
        "memberships": [
            {
                "neighbourhood_id": m.neighbourhood_id,
                "role": m.role.value,
                "status": m.status.value,
                "message": m.message,
                "created_at": iso(m.created_at),
            }
            for m in memberships
        ]
    }
