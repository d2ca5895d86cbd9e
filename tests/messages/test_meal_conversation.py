"""Each published meal has a conversation: its hosts, and its diners while confirmed."""

from __future__ import annotations

from typing import Any

from tests.support.api import v1
from tests.support.errors import assert_error

URL = "/api/v1/conversations"


def meal_conversation(client: Any, meal_id: int, actor: Any) -> int | None:
    return client.get(v1(f"/meals/{meal_id}"), headers=actor.headers).get_json()["conversation_id"]


def participant_ids(client: Any, conversation_id: int, actor: Any) -> set[int]:
    body = client.get(f"{URL}/{conversation_id}", headers=actor.headers).get_json()
    return {p["id"] for p in body["participants"]}


def sign_up(client: Any, meal_id: int, actor: Any, party_size: int = 1) -> Any:
    return client.post(
        v1(f"/meals/{meal_id}/signups"),
        json={"pool": "table", "party_size": party_size},
        headers=actor.headers,
    )


def test_publishing_opens_the_conversation_with_the_host(client, api, auth, kitchen):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen, status="draft")
    host = canteen.host
    assert meal_conversation(client, meal.id, host) is None

    assert api.post(f"/meals/{meal.id}/publish", headers=host.headers).status_code == 200

    conversation_id = meal_conversation(client, meal.id, host)
    assert conversation_id is not None
    assert participant_ids(client, conversation_id, host) == {host.id}
    listed = client.get(URL, headers=host.headers).get_json()["items"]
    assert [(c["id"], c["kind"], c["meal_id"]) for c in listed] == [
        (conversation_id, "meal", meal.id)
    ]


def test_confirmed_diners_join_waitlisted_wait_and_leavers_leave(client, api, auth, kitchen):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen, pools={"table": 2})
    nh, host = canteen.neighbourhood, canteen.host
    ana, ben, cleo = auth.member(nh), auth.member(nh), auth.member(nh)
    assert sign_up(client, meal.id, ana).get_json()["status"] == "confirmed"
    assert sign_up(client, meal.id, ben).get_json()["status"] == "confirmed"
    assert sign_up(client, meal.id, cleo).get_json()["status"] == "waitlisted"
    conversation_id = meal_conversation(client, meal.id, ana)

    assert participant_ids(client, conversation_id, host) == {host.id, ana.id, ben.id}
    assert_error(client.get(f"{URL}/{conversation_id}", headers=cleo.headers), 404)

    # Ana cancels: she leaves the conversation, Cléo is promoted and joins it.
    assert api.delete(f"/meals/{meal.id}/signups/me", headers=ana.headers).status_code == 204
    assert participant_ids(client, conversation_id, host) == {host.id, ben.id, cleo.id}
    assert_error(client.get(f"{URL}/{conversation_id}/messages", headers=ana.headers), 404)

    r = client.post(
        f"{URL}/{conversation_id}/messages",
        json={"body": "Qui apporte le pain ?"},
        headers=cleo.headers,
    )
    assert r.status_code == 201


def test_a_new_host_joins_the_conversations_of_upcoming_meals(client, api, auth, kitchen):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen)
    moderator = canteen.neighbourhood.moderator
    helper = auth.member(canteen.neighbourhood)
    assert sign_up(client, meal.id, helper).status_code == 201  # creates the conversation
    conversation_id = meal_conversation(client, meal.id, helper)

    r = api.post(f"/canteens/{canteen.id}/hosts/{moderator.id}", headers=moderator.headers)
    assert r.status_code == 201
    assert moderator.id in participant_ids(client, conversation_id, helper)

    api.delete(f"/canteens/{canteen.id}/hosts/{moderator.id}", headers=moderator.headers)
    assert moderator.id not in participant_ids(client, conversation_id, helper)
