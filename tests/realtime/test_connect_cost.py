"""What a connect costs the database: a restart reconnects every socket at once.

The token with its user, then every room in one query (memberships without a suspension in
force); a socket that names the newest event as its `last_event_id` reads only that id.
"""

from __future__ import annotations

from typing import Any

import pytest

from neighbours.extensions import db
from neighbours.realtime import publish
from neighbours.realtime.rooms import moderators_room, neighbourhood_room, user_room

pytestmark = pytest.mark.undescribed_events  # "probe" events, as in test_event_log


def test_a_connect_reads_its_user_and_all_its_rooms_in_two_queries(
    auth: Any, sockets: Any, count_queries: Any
) -> None:
    me = auth.user()
    here, there, elsewhere = (auth.neighbourhood() for _ in range(3))
    auth.member(here, me)
    auth.member(there, me, role="moderator")
    auth.member(elsewhere, me, status="pending")

    with count_queries() as seen:
        socket = sockets.connect(auth={"token": me.token})

    assert socket.is_connected()
    assert len(seen) <= 2, seen
    # The rooms it got are those of its active memberships (checked through what it hears).
    for room in (
        neighbourhood_room(here.id),
        neighbourhood_room(there.id),
        moderators_room(there.id),
    ):
        publish.publish("probe", {"room": room}, room)
    publish.publish("probe", {"room": "elsewhere"}, neighbourhood_room(elsewhere.id))
    db.session.commit()
    heard = [e["args"][0]["room"] for e in socket.get_received() if e["name"] == "probe"]
    assert sorted(heard) == sorted(
        [neighbourhood_room(here.id), neighbourhood_room(there.id), moderators_room(there.id)]
    )


def test_a_socket_that_missed_nothing_reads_only_the_newest_id(
    auth: Any, sockets: Any, count_queries: Any
) -> None:
    me = auth.user()
    publish.publish("probe", {"n": 1}, user_room(me.id))
    db.session.commit()
    first = sockets.connect(auth={"token": me.token, "last_event_id": 0})
    [probe] = [e["args"][0] for e in first.get_received() if e["name"] == "probe"]
    first.disconnect()

    with count_queries() as seen:
        again = sockets.connect(auth={"token": me.token, "last_event_id": probe["event_id"]})

    assert again.is_connected()
    # The newest id, and no catch-up.
    [newest] = [s for s in seen if "events" in s]
    assert "max(events.id)" in newest and "min(" not in newest, seen
    assert len(seen) <= 3, seen
    assert [e for e in again.get_received() if e["name"] == "probe"] == []
    # And what comes next is heard live.
    publish.publish("probe", {"n": 2}, user_room(me.id))
    db.session.commit()
    assert [e["args"][0]["n"] for e in again.get_received() if e["name"] == "probe"] == [2]
