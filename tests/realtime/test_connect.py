"""Connecting: token auth, and the rooms a socket starts in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from neighbours.accounts.models import AccessToken
from neighbours.auth import hash_token
from neighbours.database import utcnow
from neighbours.realtime.publish import publish
from neighbours.realtime.rooms import moderators_room, neighbourhood_room, user_room
from tests.support.sockets import received

# Probes: test-only events the document does not describe.
pytestmark = pytest.mark.undescribed_events


def _send(db, name, payload, room):
    """Emit through the real path: queued on the session, sent after the commit."""
    publish(name, payload, room)
    db.session.commit()


def test_connect_with_a_valid_token_is_accepted(auth, sockets):
    me = auth.user()
    assert sockets.connect(me.token).is_connected()


def test_connect_without_a_token_is_refused(auth, sockets):
    assert not sockets.connect().is_connected()
    assert not sockets.connect(auth={}).is_connected()
    assert not sockets.connect(auth={"token": 12345}).is_connected()
    assert not sockets.connect(auth="not-a-dict").is_connected()


def test_connect_with_an_unknown_token_is_refused(auth, sockets):
    auth.user()
    assert not sockets.connect("not-a-real-token").is_connected()


def test_connect_with_a_revoked_token_is_refused(auth, api, sockets):
    me = auth.user()
    assert api.post("/auth/logout", headers=me.headers).status_code == 204
    assert not sockets.connect(me.token).is_connected()


def test_connect_with_an_expired_token_is_refused(auth, db, sockets):
    me = auth.user()
    db.session.execute(
        update(AccessToken)
        .where(AccessToken.token_hash == hash_token(me.token))
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    assert not sockets.connect(me.token).is_connected()


def test_connect_of_a_deleted_account_is_refused(auth, api, sockets):
    from tests.support.settings import TEST_PASSWORD

    me = auth.user()
    other_session = auth.token_for(me)
    r = api.delete("/me", json={"password": TEST_PASSWORD}, headers=me.headers)
    assert r.status_code == 204, r.get_json()
    assert not sockets.connect(other_session).is_connected()


def test_socket_is_in_its_user_room_only_for_itself(auth, db, sockets):
    me, other = auth.user(), auth.user()
    mine, theirs = sockets.connect(me.token), sockets.connect(other.token)

    _send(db, "probe", {"n": 1}, user_room(me.id))

    assert received(mine, "probe") == [{"n": 1}]
    assert received(theirs, "probe") == []


def test_socket_is_in_the_rooms_of_its_active_neighbourhoods(auth, db, sockets):
    quartier = auth.neighbourhood()
    elsewhere = auth.neighbourhood()
    me = auth.member(quartier)
    pending = auth.member(elsewhere, auth.user(), status="pending")
    mine, pendings = sockets.connect(me.token), sockets.connect(pending.token)

    _send(db, "probe", {"to": "quartier"}, neighbourhood_room(quartier.id))
    _send(db, "probe", {"to": "elsewhere"}, neighbourhood_room(elsewhere.id))

    assert received(mine, "probe") == [{"to": "quartier"}]
    assert received(pendings, "probe") == [], "a pending member is not in the room yet"


def test_moderators_also_join_the_moderators_room(auth, db, sockets):
    quartier = auth.neighbourhood()
    member = auth.member(quartier)
    moderator = sockets.connect(quartier.moderator.token)
    plain = sockets.connect(member.token)

    _send(db, "moderation:item", {"id": 1}, moderators_room(quartier.id))

    assert received(moderator, "moderation:item") == [{"id": 1}]
    assert received(plain, "moderation:item") == []
