"""publish(): queued on the session, emitted after the commit, dropped on rollback."""

from __future__ import annotations

import pytest

from neighbours.realtime.publish import pending, publish
from neighbours.realtime.rooms import user_room
from tests.support.sockets import received

# Probes: test-only events the document does not describe.
pytestmark = pytest.mark.undescribed_events


@pytest.fixture
def me(auth):
    return auth.user()


def test_an_event_is_sent_after_commit_not_before(db, me, sockets):
    phone = sockets.connect(me.token)

    publish("probe", {"n": 1}, user_room(me.id))
    assert received(phone, "probe") == []
    db.session.commit()

    assert received(phone, "probe") == [{"n": 1}]


def test_an_event_queued_in_a_transaction_that_rolls_back_is_never_sent(db, me, sockets):
    phone = sockets.connect(me.token)

    db.session.connection()  # a transaction is open, as in a request
    publish("probe", {"n": 1}, user_room(me.id))
    db.session.rollback()
    publish("probe", {"n": 2}, user_room(me.id))
    db.session.commit()

    assert received(phone, "probe") == [{"n": 2}]
    assert pending(db.session()) == []


def test_an_event_queued_before_the_session_closes_is_never_sent(db, me, sockets):
    phone = sockets.connect(me.token)

    db.session.connection()  # a transaction is open, as in a request
    publish("probe", {"n": 1}, user_room(me.id))
    db.session.close()
    db.session.commit()

    assert received(phone, "probe") == []


def test_a_rolled_back_savepoint_drops_only_its_own_events(db, me, sockets):
    phone = sockets.connect(me.token)

    db.session.connection()
    publish("probe", {"n": "before"}, user_room(me.id))
    savepoint = db.session.begin_nested()
    publish("probe", {"n": "inside"}, user_room(me.id))
    savepoint.rollback()
    with db.session.begin_nested():
        publish("probe", {"n": "kept savepoint"}, user_room(me.id))
    publish("probe", {"n": "after"}, user_room(me.id))
    db.session.commit()

    assert [e["n"] for e in received(phone, "probe")] == ["before", "kept savepoint", "after"]


def test_a_rolled_back_outer_transaction_drops_events_of_released_savepoints(db, me, sockets):
    phone = sockets.connect(me.token)

    db.session.connection()
    with db.session.begin_nested():
        publish("probe", {"n": 1}, user_room(me.id))
    db.session.rollback()
    db.session.commit()

    assert received(phone, "probe") == []


def test_events_are_sent_in_the_order_they_were_queued(db, me, sockets):
    phone = sockets.connect(me.token)

    for n in range(5):
        publish("probe", {"n": n}, user_room(me.id))
    db.session.commit()

    assert [e["n"] for e in received(phone, "probe")] == [0, 1, 2, 3, 4]
