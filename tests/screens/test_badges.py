"""Unread totals: `GET /me`, `GET /me/badges` and the live `badges:updated` event."""

from __future__ import annotations

from neighbours.accounts import badges
from neighbours.notifications.services import notify
from tests.messages.test_conversations import send, start
from tests.support.sockets import received

ZERO = {"unread_notifications": 0, "unread_messages": 0}


def test_badges_count_unread_notifications_and_messages(client, api, auth, db):
    nh = auth.neighbourhood()
    ana, ben = auth.member(nh), auth.member(nh)
    assert api.get("/me/badges", as_=ana).get_json() == ZERO
    cid = start(client, ben, ana).get_json()["id"]
    send(client, ben, cid, "Hello")  # the first message also notifies Ana
    second = send(client, ben, cid, "Are you there?").get_json()
    send(client, ana, cid, "Yes")  # writing reads: mine never count
    expected = {"unread_notifications": 1, "unread_messages": 0}
    assert api.get("/me/badges", as_=ana).get_json() == expected
    assert api.get("/me", as_=ana).get_json()["badges"] == expected
    assert api.get("/me/badges", as_=ben).get_json() == {
        "unread_notifications": 0,
        "unread_messages": 1,
    }
    r = api.post(f"/conversations/{cid}/read", json={"up_to_message_id": second["id"]}, as_=ana)
    assert r.status_code == 200, r.get_json()
    assert api.post("/notifications/read", json={"all": True}, as_=ana).status_code == 200
    assert api.get("/me/badges", as_=ana).get_json() == ZERO


def test_badges_updated_reaches_the_persons_sockets_on_every_change(client, api, auth, sockets):
    nh = auth.neighbourhood()
    ana, ben = auth.member(nh), auth.member(nh)
    phone, bens = sockets.connect(ana.token), sockets.connect(ben.token)
    cid = start(client, ben, ana).get_json()["id"]

    message = send(client, ben, cid, "Hello").get_json()
    # A message received and, being the first, a notification: both counts reach Ana, in one
    # event; Ben's totals did not change, so he hears nothing.
    assert received(phone, "badges:updated") == [{"unread_notifications": 1, "unread_messages": 1}]
    assert received(bens, "badges:updated") == []

    r = api.post(f"/conversations/{cid}/read", json={"up_to_message_id": message["id"]}, as_=ana)
    assert r.status_code == 200
    assert received(phone, "badges:updated") == [{"unread_notifications": 1, "unread_messages": 0}]

    assert api.post("/notifications/read", json={"all": True}, as_=ana).status_code == 200
    assert received(phone, "badges:updated") == [ZERO]
    # Nothing left to read: nothing changes, nothing is sent.
    assert api.post("/notifications/read", json={"all": True}, as_=ana).status_code == 200
    assert received(phone, "badges:updated") == []
    assert received(bens, "badges:updated") == []


def test_a_notification_created_sends_the_new_totals(app, auth, sockets, db):
    ana = auth.user()
    phone = sockets.connect(ana.token)
    notify(ana.id, "membership_approved", {"neighbourhood_id": 1, "neighbourhood_name": "Q"})
    assert received(phone, "badges:updated") == []  # not before the commit
    db.session.commit()
    assert received(phone, "badges:updated") == [{"unread_notifications": 1, "unread_messages": 0}]


def test_badges_of_someone_else_are_never_shown(api, auth):
    nh = auth.neighbourhood()
    ana, ben = auth.member(nh), auth.member(nh)
    notify(ben.id, "membership_approved", {"neighbourhood_id": nh.id, "neighbourhood_name": "Q"})
    assert api.get("/me/badges", as_=ana).get_json() == ZERO


def test_badges_take_two_queries(api, auth, count_queries):
    ana = auth.user()
    with count_queries() as statements:
        assert api.get("/me/badges", as_=ana).status_code == 200
    counted = [
        s for s in statements if "FROM notifications" in s or "FROM conversation_participants" in s
    ]
    assert len(counted) == 2, statements


def test_each_person_gets_one_event_per_change_and_only_if_their_totals_changed(
    client, auth, sockets
):
    nh = auth.neighbourhood()
    ana, ben = auth.member(nh), auth.member(nh)
    anas, bens = sockets.connect(ana.token), sockets.connect(ben.token)
    cid = start(client, ben, ana).get_json()["id"]

    send(client, ben, cid, "Hello")  # a notification and a message for Ana: one event
    assert received(anas, "badges:updated") == [{"unread_notifications": 1, "unread_messages": 1}]
    assert received(bens, "badges:updated") == []

    send(client, ana, cid, "Hi!")  # Ana's reply reads Ben's message; Ben has one to read
    assert received(anas, "badges:updated") == [{"unread_notifications": 1, "unread_messages": 0}]
    assert received(bens, "badges:updated") == [{"unread_notifications": 0, "unread_messages": 1}]

    send(client, ana, cid, "Are you coming?")  # nothing new for Ana to read: no event for her
    assert received(anas, "badges:updated") == []
    assert received(bens, "badges:updated") == [{"unread_notifications": 0, "unread_messages": 2}]


def test_several_changes_in_one_transaction_send_the_final_totals_once(auth, sockets, db):
    ana = auth.user()
    phone = sockets.connect(ana.token)
    approved = {"neighbourhood_id": 1, "neighbourhood_name": "Q"}
    for _ in range(3):
        notify(ana.id, "membership_approved", approved)
    badges.changed([ana.id])
    db.session.commit()
    assert received(phone, "badges:updated") == [{"unread_notifications": 3, "unread_messages": 0}]


def test_a_change_rolled_back_inside_a_savepoint_is_not_announced(auth, sockets, db):
    ana, ben = auth.user(), auth.user()
    anas, bens = sockets.connect(ana.token), sockets.connect(ben.token)
    approved = {"neighbourhood_id": 1, "neighbourhood_name": "Q"}
    notify(ana.id, "membership_approved", approved)
    savepoint = db.session.begin_nested()
    notify(ben.id, "membership_approved", approved)
    savepoint.rollback()
    db.session.commit()
    assert received(anas, "badges:updated") == [{"unread_notifications": 1, "unread_messages": 0}]
    assert received(bens, "badges:updated") == []
