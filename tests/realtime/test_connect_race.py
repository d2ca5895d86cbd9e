"""A logout or a membership change told to this process while a socket is still being signed
in (its token checked, its rooms read, before it is in the registry) found nothing to act on,
and the socket stayed connected, hearing everything, until the 30 s re-validation (an
outside probe caught it with 16 sockets connecting during a logout). The connect now checks,
once registered, whether its user was cut or re-synced meanwhile."""

from __future__ import annotations

from typing import Any

from flask import Flask

from neighbours.realtime.live import state
from neighbours.realtime.rooms import neighbourhood_room
from neighbours.realtime.sockets import disconnect_local, sync_rooms_for_user


def _during_connect(app: Flask, action: Any) -> None:
    """Run `action(user_id)` once, while the next socket is between sign-in and registry: as
    a control message arriving then would (room providers run in that window)."""
    providers = state(app).room_providers
    fired: list[int] = []

    def provider(live: Any, rooms: dict) -> dict:
        if not fired:
            fired.append(live.user_id)
            action(live.user_id)
        return {}

    providers.insert(0, provider)


def test_a_session_cut_while_its_socket_connects_is_refused(app: Flask, auth: Any, sockets: Any):
    me = auth.user()
    _during_connect(app, lambda user_id: disconnect_local(user_id))
    client = sockets.connect(me.token)
    assert not client.is_connected()
    assert len(state(app).sockets.of_user(me.id)) == 0


def test_another_session_cut_meanwhile_leaves_this_one(app: Flask, auth: Any, sockets: Any):
    me = auth.user()
    _during_connect(app, lambda user_id: disconnect_local(user_id, token_id=-1))
    assert sockets.connect(me.token).is_connected()


def test_rooms_changed_while_connecting_are_synced_again(
    app: Flask, auth: Any, sockets: Any, db: Any
) -> None:
    from neighbours.neighbourhoods.models import Membership, MembershipStatus

    me = auth.user()
    quarter = auth.neighbourhood()
    auth.member(quarter, me)

    def leave(user_id: int) -> None:
        # The leave commits after the rooms were read, then its re-sync arrives.
        membership = db.session.query(Membership).filter_by(user_id=user_id).one()
        membership.status = MembershipStatus.LEFT
        db.session.commit()
        sync_rooms_for_user(user_id)

    # The providers read the membership before `leave` ends it: the socket would keep the
    # neighbourhood's room.
    live_state = state(app)
    original = list(live_state.room_providers)
    fired: list[int] = []

    def late_leave(live: Any, rooms: dict) -> dict:
        found: dict = {}
        for provider in original:
            found.update(provider(live, {**rooms, **found}))
        if not fired:
            fired.append(1)
            leave(live.user_id)
        return found

    live_state.room_providers[:] = [late_leave]
    client = sockets.connect(me.token)
    assert client.is_connected()
    sid = live_state.sockets.of_user(me.id)[0].sid
    rooms = live_state.server.rooms(sid, namespace="/")
    assert neighbourhood_room(quarter.id) not in rooms
