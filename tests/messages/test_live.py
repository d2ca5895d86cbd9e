"""`conversation:joined` reaches the person added to a conversation, and only them: the other
participants of a new conversation, and the hosts and confirmed diners of a meal's."""

from __future__ import annotations

from typing import Any

from tests.support.sockets import received

URL = "/api/v1/conversations"


def _listed(client: Any, actor: Any) -> list[dict[str, Any]]:
    r = client.get(URL, headers=actor.headers)
    assert r.status_code == 200, r.get_json()
    return r.get_json()["items"]


def _as_listed(live: dict[str, Any]) -> dict[str, Any]:
    """The payload without the `event_id` a logged event carries once committed."""
    live.pop("event_id", None)
    return live


def test_a_new_conversation_reaches_its_other_participants_only(client, auth, sockets):
    nh = auth.neighbourhood()
    ana, ben, cleo, dan = (auth.member(nh) for _ in range(4))
    anas, bens, cleos, dans = (sockets.connected(p) for p in (ana, ben, cleo, dan))

    r = client.post(
        URL, json={"participant_ids": [ben.id, cleo.id], "title": "Jardin"}, headers=ana.headers
    )
    assert r.status_code == 201, r.get_json()

    [for_ben] = received(bens, "conversation:joined")
    [for_cleo] = received(cleos, "conversation:joined")
    assert _as_listed(for_ben) == _listed(client, ben)[0]
    assert _as_listed(for_cleo) == _listed(client, cleo)[0]
    assert for_ben["id"] == r.get_json()["id"]
    assert {p["id"] for p in for_ben["participants"]} == {ana.id, ben.id, cleo.id}
    assert anas.get_received() == []  # the one who started it has the response
    assert dans.get_received() == []


def test_asking_again_for_a_direct_conversation_adds_nobody(client, auth, sockets):
    nh = auth.neighbourhood()
    ana, ben = auth.member(nh), auth.member(nh)
    assert client.post(URL, json={"participant_ids": [ben.id]}, headers=ana.headers).status_code
    bens = sockets.connected(ben)

    r = client.post(URL, json={"participant_ids": [ana.id]}, headers=ben.headers)
    assert r.status_code == 200, r.get_json()
    assert bens.get_received() == []


def test_a_failed_start_pushes_nothing(client, auth, sockets):
    nh, elsewhere = auth.neighbourhood(), auth.neighbourhood()
    ana, ben, olga = auth.member(nh), auth.member(nh), auth.member(elsewhere)
    bens = sockets.connected(ben)

    r = client.post(URL, json={"participant_ids": [ben.id, olga.id]}, headers=ana.headers)
    assert r.status_code == 403
    assert bens.get_received() == []


def test_a_meals_conversation_is_joined_by_its_host_and_each_confirmed_diner(
    client, api, auth, kitchen, sockets
):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen, pools={"table": 1})
    nh, host = canteen.neighbourhood, canteen.host
    ana, ben = auth.member(nh), auth.member(nh)
    hosts, anas, bens = (sockets.connected(p) for p in (host, ana, ben))

    r = api.post(f"/meals/{meal.id}/signups", json={"pool": "table"}, headers=ana.headers)
    assert r.get_json()["status"] == "confirmed"
    [for_ana] = received(anas, "conversation:joined")
    assert (for_ana["kind"], for_ana["meal_id"]) == ("meal", meal.id)
    assert _as_listed(for_ana) == _listed(client, ana)[0]
    [for_host] = received(hosts, "conversation:joined")  # the conversation opened with Ana
    assert for_host["id"] == for_ana["id"]

    r = api.post(f"/meals/{meal.id}/signups", json={"pool": "table"}, headers=ben.headers)
    assert r.get_json()["status"] == "waitlisted"
    assert received(bens, "conversation:joined") == []  # waiting is not dining

    assert api.delete(f"/meals/{meal.id}/signups/me", headers=ana.headers).status_code == 204
    [for_ben] = received(bens, "conversation:joined")  # promoted: he joins it
    assert for_ben["id"] == for_ana["id"]
    assert {p["id"] for p in for_ben["participants"]} == {host.id, ben.id}
    assert received(hosts, "conversation:joined") == []
    assert received(anas, "conversation:joined") == []
