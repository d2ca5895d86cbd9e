"""Who may see and do what in a neighbourhood. Lists and single objects use the same rules."""

from __future__ import annotations

from sqlalchemy import Select, exists, select

from neighbours.accounts.models import User
from neighbours.errors import Forbidden, NotFound
from neighbours.extensions import db
from neighbours.neighbourhoods.models import Membership, MembershipStatus, Neighbourhood, Role


def active_membership(user: User, neighbourhood_id: int) -> Membership | None:
    """The caller's active membership of a neighbourhood, if any."""
    return db.session.execute(
        select(Membership).where(
            Membership.neighbourhood_id == neighbourhood_id,
            Membership.user_id == user.id,
            Membership.status == MembershipStatus.ACTIVE,
        )
    ).scalar_one_or_none()


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
        raise Forbidden("Only active members of this neighbourhood can do this.")
    return membership


def is_moderator(user: User, neighbourhood_id: int) -> bool:
    if user.is_admin:
        return True
    membership = active_membership(user, neighbourhood_id)
    return membership is not None and membership.role == Role.MODERATOR


def require_moderator(user: User, neighbourhood: Neighbourhood) -> None:
    """Moderator of this neighbourhood (or site admin); members get 403, outsiders 403 too."""
    if not is_moderator(user, neighbourhood.id):
        raise Forbidden("Only moderators of this neighbourhood can do this.")


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


def can_write_membership(membership: Membership) -> bool:
    """Whether this membership lets its holder write and be in the neighbourhood's live rooms."""
    from neighbours.moderation.policies import active_suspension

    return membership.status == MembershipStatus.ACTIVE and (
        active_suspension(membership.user_id, membership.neighbourhood_id) is None
    )
