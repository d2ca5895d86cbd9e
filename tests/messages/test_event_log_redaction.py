"""What a moderator takes away leaves the event log too, and a conversation's roll-call (which
names everyone) is never replayed (found by the outside probe through GET /events)."""

from __future__ import annotations

from tests.messages.test_conversations import send, start
from tests.moderation.api import decided, reported
from tests.support.events import replayed_over_rest


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


def test_conversation_joined_is_live_only(client, api, auth, sockets):
    nh = auth.neighbourhood()
    ana, ben = auth.member(nh), auth.member(nh)
    bens = sockets.connected(ben)
    start(client, ana, ben)
    assert [e["name"] for e in bens.get_received()].count("conversation:joined") == 1
    assert "conversation:joined" not in [name for name, _ in replayed_over_rest(api, ben)]
