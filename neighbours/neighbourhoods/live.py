"""Neighbourhoods on the live layer: the rooms of a user's memberships.

Registered with `neighbours.realtime` as a room provider by `neighbours.wiring`.
"""

from __future__ import annotations

from sqlalchemy import select

from neighbours.extensions import db
from neighbours.neighbourhoods.models import Membership, MembershipStatus, Role
from neighbours.neighbourhoods.policies import can_write_membership
from neighbours.realtime.registry import LiveSocket
from neighbours.realtime.rooms import moderators_room, neighbourhood_room


def membership_rooms(live: LiveSocket, _found: dict[str, int | None]) -> dict[str, int | None]:
    """The rooms of the user's active, not suspended memberships (and the moderators' room
    where they moderate), room -> neighbourhood id."""
    rows = db.session.execute(
        select(Membership).where(
            Membership.user_id == live.user_id, Membership.status == MembershipStatus.ACTIVE
        )
    ).scalars()
    rooms: dict[str, int | None] = {}
    for membership in rows:
        if not can_write_membership(membership):
            continue
        rooms[neighbourhood_room(membership.neighbourhood_id)] = membership.neighbourhood_id
        if membership.role == Role.MODERATOR:
            rooms[moderators_room(membership.neighbourhood_id)] = membership.neighbourhood_id
    return rooms
