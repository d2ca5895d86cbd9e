"""Who hosts a canteen: moderators appoint and remove hosts; hosting ends with the role.

Hosting needs both the appointment (`CanteenHost`) and a hosting role in the neighbourhood
(`policies.current_hosts`). A host takes part in the conversations of their canteen's meals.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from neighbours.accounts.models import User
from neighbours.errors import NotFound
from neighbours.extensions import db
from neighbours.meals import policies
from neighbours.meals.conversations import leave_host_conversations, sync_conversations_of_canteen
from neighbours.meals.models import (
    Canteen,
    CanteenHost,
)
from neighbours.neighbourhoods import policies as neighbourhood_policies
from neighbours.neighbourhoods.models import Membership, Role
from neighbours.realtime.publish import publish_membership_change


def _set_membership_role(neighbourhood_id: int, user_id: int, role: Role) -> None:
    db.session.execute(
        update(Membership)
        .where(
            Membership.neighbourhood_id == neighbourhood_id,
            Membership.user_id == user_id,
            Membership.role != Role.MODERATOR,
        )
        .values(role=role)
        .execution_options(synchronize_session=False)
    )


def add_host(moderator: User, canteen_id: int, user_id: int) -> Canteen:
    """Appoint a member as a host of the canteen; they take the `host` role if a member."""
    canteen = policies.visible_canteen(moderator, canteen_id)
    neighbourhood = neighbourhood_policies.get_neighbourhood(canteen.neighbourhood_id)
    neighbourhood_policies.require_moderator(moderator, neighbourhood)
    target = db.session.get(User, user_id)
    if target is None or neighbourhood_policies.active_membership(target, neighbourhood.id) is None:
        raise NotFound(
            _l("This person is not an active member of the neighbourhood."),
            reason="host_not_a_member",
        )
    if db.session.get(CanteenHost, (canteen.id, user_id)) is None:
        db.session.add(CanteenHost(canteen_id=canteen.id, user_id=user_id))
    # Always: hosting needs the role as well as the appointment (`policies.current_hosts`).
    _set_membership_role(neighbourhood.id, user_id, Role.HOST)
    sync_conversations_of_canteen(canteen.id)
    db.session.commit()
    return canteen


def remove_host(moderator: User, canteen_id: int, user_id: int) -> None:
    canteen = policies.visible_canteen(moderator, canteen_id)
    neighbourhood = neighbourhood_policies.get_neighbourhood(canteen.neighbourhood_id)
    neighbourhood_policies.require_moderator(moderator, neighbourhood)
    host = db.session.get(CanteenHost, (canteen.id, user_id))
    if host is None:
        raise NotFound(_l("This person does not host this canteen."), reason="not_a_host")
    db.session.delete(host)
    db.session.flush()
    still_hosting = db.session.execute(
        select(func.count())
        .select_from(CanteenHost)
        .join(Canteen, Canteen.id == CanteenHost.canteen_id)
        .where(CanteenHost.user_id == user_id, Canteen.neighbourhood_id == neighbourhood.id)
    ).scalar_one()
    if not still_hosting:
        _set_membership_role(neighbourhood.id, user_id, Role.MEMBER)
    leave_host_conversations(user_id)
    publish_membership_change(user_id)  # their sockets stop watching its drafts
    db.session.commit()


def end_hosting(user_id: int, neighbourhood_id: int | None = None) -> None:
    """Someone stops being a host in a neighbourhood (or everywhere): demoted to member, left,
    removed, account deleted. In the caller's transaction.

    Their appointments there are deleted, not kept inert: coming back (rejoining, being made
    `host` again) must not silently restore them; a moderator appoints them again. They leave
    the conversations of those canteens' meals (unless they dine there), and their sockets'
    rooms are re-synced after commit.
    """
    stmt = delete(CanteenHost).where(CanteenHost.user_id == user_id)
    if neighbourhood_id is not None:
        stmt = stmt.where(
            CanteenHost.canteen_id.in_(
                select(Canteen.id).where(Canteen.neighbourhood_id == neighbourhood_id)
            )
        )
    db.session.execute(stmt.execution_options(synchronize_session=False))
    leave_host_conversations(user_id)
    publish_membership_change(user_id)
