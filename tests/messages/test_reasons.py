"""Messages' refusals carry a stable reason, and their message is in French when asked."""

from __future__ import annotations

from datetime import timedelta

from neighbours.accounts.models import Block
from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.neighbourhoods.models import Membership, MembershipStatus, Suspension
from tests.support.refusals import french, in_french, refused


def _conversation(api, ana, ben):
    r = api.post("/conversations", json={"participant_ids": [ben.id]}, as_=ana)
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def _send(api, actor, cid, body="Bonjour !", **kw):
    return api.post(f"/conversations/{cid}/messages", json={"body": body}, as_=actor, **kw)


def test_writing_to_a_stranger_is_no_shared_neighbourhood(api, auth):
    ana = auth.member(auth.neighbourhood())
    olga = auth.member(auth.neighbourhood())
    r = api.post("/conversations", json={"participant_ids": [olga.id]}, headers=french(ana.headers))
    body = refused(r, 403, "no_shared_neighbourhood")
    assert body["message"] == (
        "Vous ne pouvez écrire qu'aux personnes qui partagent un quartier avec vous."
    )


def test_naming_only_oneself_is_no_other_participant(api, auth):
    ana = auth.member(auth.neighbourhood())
    r = api.post("/conversations", json={"participant_ids": [ana.id]}, as_=ana)
    refused(r, 422, "invalid_input", field="participant_ids", field_reason="no_other_participant")


def test_someone_who_blocked_you_is_blocked(api, auth):
    nh = auth.neighbourhood()
    ana, ben = auth.member(nh), auth.member(nh)
    cid = _conversation(api, ana, ben)
    db.session.add(Block(blocker_id=ben.id, blocked_id=ana.id))
    db.session.commit()
    body = refused(_send(api, ana, cid, headers={"Accept-Language": "fr"}), 403, "blocked")
    assert body["message"] == "Vous ne pouvez pas écrire à quelqu'un qui vous a bloqué."
    r = api.post("/conversations", json={"participant_ids": [ben.id], "title": "Hi"}, as_=ana)
    refused(r, 403, "blocked")


def test_a_suspended_writer_is_suspended_and_a_former_member_membership_inactive(api, auth):
    nh = auth.neighbourhood()
    ana, ben = auth.member(nh), auth.member(nh)
    cid = _conversation(api, ana, ben)
    db.session.add(
        Suspension(
            neighbourhood_id=nh.id, user_id=ana.id, ends_at=utcnow() + timedelta(days=1), reason="t"
        )
    )
    membership = db.session.query(Membership).filter_by(user_id=ben.id, neighbourhood_id=nh.id)
    membership.one().status = MembershipStatus.LEFT
    db.session.commit()

    body = refused(_send(api, ana, cid, headers={"Accept-Language": "fr"}), 403, "suspended")
    assert body["message"] == in_french("You can't send messages in this neighbourhood right now.")
    refused(_send(api, ben, cid), 403, "membership_inactive")


def test_a_blank_message_is_blank_message(api, auth):
    nh = auth.neighbourhood()
    ana, ben = auth.member(nh), auth.member(nh)
    cid = _conversation(api, ana, ben)
    r = _send(api, ana, cid, "   ", headers={"Accept-Language": "fr"})
    body = refused(r, 422, "invalid_input", field="body", field_reason="blank_message")
    assert body["errors"]["json"]["body"] == ["Un message ne peut pas être vide."]


def test_two_directions_at_once_is_one_direction(api, auth):
    nh = auth.neighbourhood()
    ana, ben = auth.member(nh), auth.member(nh)
    cid = _conversation(api, ana, ben)
    for i in range(3):
        assert _send(api, ana, cid, f"m{i}").status_code == 201
    page = api.get(f"/conversations/{cid}/messages?latest=true&limit=1", as_=ana).get_json()
    cursor = page["prev_cursor"]
    assert cursor
    r = api.get(f"/conversations/{cid}/messages?latest=true&before={cursor}", as_=ana)
    refused(r, 422, "invalid_input", field="before", field_reason="one_direction", location="query")


def test_a_read_marker_elsewhere_is_not_in_conversation(api, auth):
    nh = auth.neighbourhood()
    ana, ben, cleo = auth.member(nh), auth.member(nh), auth.member(nh)
    cid = _conversation(api, ana, ben)
    other = _conversation(api, ana, cleo)
    foreign = _send(api, ana, other).get_json()["id"]
    r = api.post(f"/conversations/{cid}/read", json={"up_to_message_id": foreign}, as_=ben)
    refused(r, 422, "invalid_input", field="up_to_message_id", field_reason="not_in_conversation")
