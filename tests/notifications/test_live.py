"""notification:created reaches the user's live sockets, only after the commit."""

from __future__ import annotations

from sqlalchemy import func, select

from neighbours.notifications.models import Notification
from neighbours.notifications.services import notify
from tests.support.sockets import received


def test_approval_sends_notification_created_to_the_members_sockets(auth, api, sockets):
    quartier = auth.neighbourhood(join_policy="approval", name="Croix-Rousse")
    me = auth.member(quartier, status="pending")
    phone, laptop = sockets.connect(me.token), sockets.connect(auth.token_for(me))
    moderator = sockets.connect(quartier.moderator.token)

    r = api.post(
        f"/neighbourhoods/{quartier.id}/members/{me.id}/approve",
        headers=quartier.moderator.headers,
    )
    assert r.status_code == 200, r.get_json()

    stored = api.get("/notifications", headers=me.headers).get_json()["items"]
    assert len(stored) == 1
    for socket in (phone, laptop):
        got = received(socket, "notification:created")
        assert got == stored, "the event is the notification as the REST API shows it"
    assert stored[0]["type"] == "membership_approved"
    assert stored[0]["payload"] == {
        "neighbourhood_id": quartier.id,
        "neighbourhood_name": "Croix-Rousse",
    }
    assert received(moderator, "notification:created") == []


def test_decline_sends_membership_declined(auth, api, sockets):
    quartier = auth.neighbourhood(join_policy="approval")
    me = auth.member(quartier, status="pending")
    phone = sockets.connect(me.token)

    r = api.post(
        f"/neighbourhoods/{quartier.id}/members/{me.id}/decline",
        headers=quartier.moderator.headers,
    )
    assert r.status_code == 200, r.get_json()

    [event] = received(phone, "notification:created")
    assert event["type"] == "membership_declined"
    assert event["payload"]["neighbourhood_id"] == quartier.id
    assert event["read_at"] is None


def test_a_refused_approval_sends_nothing(auth, api, sockets):
    quartier = auth.neighbourhood(join_policy="approval")
    me = auth.member(quartier, status="pending")
    member = auth.member(quartier)
    phone = sockets.connect(me.token)

    r = api.post(f"/neighbourhoods/{quartier.id}/members/{me.id}/approve", headers=member.headers)
    assert r.status_code == 403

    assert received(phone, "notification:created") == []


def test_notify_is_sent_only_when_the_transaction_commits(auth, db, sockets):
    me = auth.user()
    phone = sockets.connect(me.token)

    notify(me.id, "membership_approved", {"neighbourhood_id": 1, "neighbourhood_name": "Q"})
    assert received(phone, "notification:created") == [], "nothing before the commit"
    db.session.commit()

    assert [n["payload"] for n in received(phone, "notification:created")] == [
        {"neighbourhood_id": 1, "neighbourhood_name": "Q"}
    ]


def test_notify_in_a_transaction_that_rolls_back_is_never_sent(auth, db, sockets):
    me = auth.user()
    phone = sockets.connect(me.token)

    notify(me.id, "membership_approved", {"neighbourhood_id": 1, "neighbourhood_name": "Q"})
    db.session.rollback()
    db.session.commit()  # a later commit of the same session must not send it either

    assert received(phone, "notification:created") == []
    count = db.session.execute(select(func.count()).select_from(Notification)).scalar_one()
    assert count == 0
