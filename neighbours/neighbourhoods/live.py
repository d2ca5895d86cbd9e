"""Neighbourhoods on the live layer: the rooms of a user's memberships.

Registered with `neighbours.realtime` as a room provider by `neighbours.wiring`.
"""

from __future__ import annotations

from sqlalchemy import exists, select

from neighbours.extensions import db
from neighbours.neighbourhoods.models import Membership, MembershipStatus, Role, Suspension
from neighbours.neighbourhoods.policies import suspension_in_force
from neighbours.realtime.registry import LiveSocket
from neighbours.realtime.rooms import moderators_room, neighbourhood_room


def membership_rooms(live: LiveSocket, _found: dict[str, int | None]) -> dict[str, int | None]:
    """The rooms of the user's active, not suspended memberships (and the moderators' room
    where they moderate), room -> neighbourhood id: one query, whatever their number (it runs
    on every connect, and a restart reconnects every socket at once)."""
    suspended = (
        exists()
        .where(
            Suspension.user_id == Membership.user_id,
            Suspension.neighbourhood_id == Membership.neighbourhood_id,
            suspension_in_force(),
        )
        .correlate(Membership)
    )
    rows = db.session.execute(
        select(Membership.neighbourhood_id, Membership.role).where(
            Membership.user_id == live.user_id,
            Membership.status == MembershipStatus.ACTIVE,
            ~suspended,
        )
    ).all()
    rooms: dict[str, int | None] = {}
    for neighbourhood_id, role in rows:
        rooms[neighbourhood_room(neighbourhood_id)] = neighbourhood_id
        if role == Role.MODERATOR:
            rooms[moderators_room(neighbourhood_id)] = neighbourhood_id
    return rooms
