"""What a moderator takes away leaves the event log too, and a conversation's roll-call (which
names everyone) is logged as a reference, rendered for its reader as the API shows it when
replayed (found by the outside probe through GET /events)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from neighbours.realtime.models import LoggedEvent
from tests.messages.test_conversations import send, start
from tests.moderation.api import decided, reported
from tests.support.events import replayed_over_rest
from tests.support.settings import TEST_PASSWORD


def test_a_removed_message_and_the_notification_quoting_it_leave_the_log(client, api, auth):
    nh = auth.neighbourhood()
    ana, ben, cleo = auth.member(nh), auth.member(nh), auth.member(nh)
    cid = start(client, ana, ben, cleo).get_json()["id"]
    message = send(client, ana, cid, "you live at 12 rue X").get_json()
    send(client, ben, cid, "please stop")
    assert any("12 rue X" in payload for _name, payload in replayed_over_rest(api, ben))

    item_id = reported(client, ben, "message", message["id"])["item_id"]
    decided(client, nh.moderator, item_id, "remove")

    seen = replayed_over_rest(api, ben)
    assert not any("12 rue X" in payload for _name, payload in seen), seen
    assert ("message:created" in [name for name, _ in seen]) is True  # ben's own message stays
    # Nor does the notification quote it over REST any more.
    for reader in (ben, cleo):
        listed = api.get("/notifications", headers=reader.headers).get_json()["items"]
        assert [n["payload"]["preview"] for n in listed] == [""]
        assert "12 rue X" not in json.dumps(listed)


def _joined_over_rest(api: Any, reader: Any) -> list[dict[str, Any]]:
    body = api.get("/events?after=0&limit=200", headers=reader.headers).get_json()
    return [i["payload"] for i in body["items"] if i["name"] == "conversation:joined"]


def _stored(db: Any) -> list[Any]:
    return db.session.scalars(
        select(LoggedEvent.payload).where(LoggedEvent.name == "conversation:joined")
    ).all()


def test_conversation_joined_is_replayed_as_the_conversation_is_now(client, api, auth, db):
    nh = auth.neighbourhood()
    ana, ben, cleo = auth.member(nh), auth.member(nh), auth.member(nh)
    cid = start(client, ana, ben, cleo).get_json()["id"]
    send(client, ana, cid, "first words")
    send(client, cleo, cid, "second words")

    # The log keeps the conversation's id only: no name, no words.
    assert {json.dumps(p) for p in _stored(db)} == {json.dumps({"conversation_id": cid})}
    [for_ben] = _joined_over_rest(api, ben)
    listed = client.get(f"/api/v1/conversations/{cid}", headers=ben.headers).get_json()
    assert {k: v for k, v in for_ben.items() if k != "event_id"} == listed
    assert for_ben["last_message"]["body"] == "second words"  # as it is now, not then
    assert {p["id"] for p in for_ben["participants"]} == {ana.id, ben.id, cleo.id}


def test_a_conversation_left_is_not_replayed(api, auth, kitchen):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen, pools={"table": 2})
    ana = auth.member(canteen.neighbourhood)
    assert api.post(f"/meals/{meal.id}/signups", json={"pool": "table"}, headers=ana.headers)
    [joined] = _joined_over_rest(api, ana)
    assert joined["meal_id"] == meal.id

    assert api.delete(f"/meals/{meal.id}/signups/me", headers=ana.headers).status_code == 204
    assert _joined_over_rest(api, ana) == []  # no longer in it: not even its id
    assert [p["meal_id"] for p in _joined_over_rest(api, canteen.host)] == [meal.id]


def test_joining_again_takes_the_place_of_the_first_joining(api, auth, kitchen):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen, pools={"table": 2})
    ana = auth.member(canteen.neighbourhood)
    for _ in range(2):
        api.post(f"/meals/{meal.id}/signups", json={"pool": "table"}, headers=ana.headers)
        api.delete(f"/meals/{meal.id}/signups/me", headers=ana.headers)
    assert api.post(f"/meals/{meal.id}/signups", json={"pool": "table"}, headers=ana.headers)
    assert len(_joined_over_rest(api, ana)) == 1


def test_a_deleted_participant_is_replayed_as_the_api_shows_them_now(client, api, auth):
    nh = auth.neighbourhood()
    ana, ben = auth.member(nh), auth.member(nh)
    cid = start(client, ana, ben).get_json()["id"]
    before = json.dumps(_joined_over_rest(api, ben))
    assert ana.display_name in before
    r = api.delete("/me", json={"password": TEST_PASSWORD}, headers=ana.headers)
    assert r.status_code == 204, r.get_json()
    after = json.dumps(_joined_over_rest(api, ben))
    assert ana.display_name not in after
    listed = client.get(f"/api/v1/conversations/{cid}", headers=ben.headers).get_json()
    assert ana.display_name not in json.dumps(listed)


def test_messages_of_a_conversation_left_are_not_replayed(api, auth, kitchen):
    """A diner whose signup ended is out of the meal's conversation: its messages, sent while
    they were in it, are not replayed to them (found by the outside probe)."""
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen, pools={"table": 2})
    ana = auth.member(canteen.neighbourhood)
    assert api.post(f"/meals/{meal.id}/signups", json={"pool": "table"}, headers=ana.headers)
    cid = api.get(f"/meals/{meal.id}", headers=ana.headers).get_json()["conversation_id"]
    r = api.post(
        f"/conversations/{cid}/messages",
        json={"body": "door code 4711"},
        headers=canteen.host.headers,
    )
    assert r.status_code == 201, r.get_json()
    assert any("4711" in p for _n, p in replayed_over_rest(api, ana))

    assert api.delete(f"/meals/{meal.id}/signups/me", headers=ana.headers).status_code == 204
    assert not any("4711" in p for _n, p in replayed_over_rest(api, ana))
    assert any("4711" in p for _n, p in replayed_over_rest(api, canteen.host))
