"""Host rights follow from the current state: an appointment to the canteen AND an active
membership of its neighbourhood with a role that may host (issue #11, item 2).

Each way of stopping being a host is driven through the REST API, then every host power is
tried again through the REST API and must be refused.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from neighbours.database import utcnow
from tests.meals.api import iso, signed_up
from tests.support.api import PREFIX as API
from tests.support.api import v1
from tests.support.errors import assert_error

PATHS = ["removed_as_host", "demoted_to_member", "left", "left_and_rejoined", "removed"]


def stop_hosting(client: Any, canteen: Any, path: str) -> None:
    """Make the canteen's host stop being one, by one of the ways the API offers."""
    nh, host, moderator = canteen.neighbourhood, canteen.host, canteen.neighbourhood.moderator
    if path == "removed_as_host":
        r = client.delete(v1(f"/canteens/{canteen.id}/hosts/{host.id}"), headers=moderator.headers)
    elif path == "demoted_to_member":
        r = client.patch(
            v1(f"/neighbourhoods/{nh.id}/members/{host.id}"),
            json={"role": "member"},
            headers=moderator.headers,
        )
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["role"] == "member"
        return
    elif path in ("left", "left_and_rejoined"):
        r = client.delete(v1(f"/neighbourhoods/{nh.id}/members/me"), headers=host.headers)
    else:
        r = client.delete(
            v1(f"/neighbourhoods/{nh.id}/members/{host.id}"), headers=moderator.headers
        )
    assert r.status_code == 204, r.get_data(as_text=True)
    if path == "left_and_rejoined":
        r = client.post(v1(f"/neighbourhoods/{nh.id}/join"), json={}, headers=host.headers)
        assert r.status_code == 201, r.get_json()
        assert r.get_json()["status"] == "active"


def new_meal(starts_in: timedelta = timedelta(days=3)) -> dict[str, Any]:
    starts = utcnow() + starts_in
    return {
        "title": "Couscous partagé",
        "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=2)),
    }


@pytest.fixture
def dinner(client: Any, auth, api: Any, kitchen: Any) -> dict[str, Any]:
    """A canteen with its host and a co-host, a published meal with a diner (whose signup
    opened the meal's conversation), and a draft."""
    canteen = kitchen.canteen()
    nh = canteen.neighbourhood
    co_host = auth.member(nh)
    r = api.post(f"/canteens/{canteen.id}/hosts/{co_host.id}", headers=nh.moderator.headers)
    assert r.status_code == 201, r.get_json()
    meal = kitchen.meal(canteen, allergens=["peanuts"])
    draft = kitchen.meal(canteen, status="draft")
    diner = auth.member(nh, diets=["vegetarian"], allergens=["milk"])
    signup = signed_up(client, meal, diner)
    conversation_id = api.get(f"/meals/{meal.id}", headers=diner.headers).get_json()[
        "conversation_id"
    ]
    assert conversation_id is not None
    return {
        "canteen": canteen,
        "co_host": co_host,
        "meal": meal,
        "draft": draft,
        "diner": diner,
        "signup": signup,
        "conversation_id": conversation_id,
    }


def host_powers(client: Any, dinner: dict[str, Any], actor: Any) -> dict[str, Any]:
    """Try every host power as `actor`: each answer, by power."""
    canteen, meal, draft = dinner["canteen"], dinner["meal"], dinner["draft"]
    conversation = f"{API}/conversations/{dinner['conversation_id']}"
    return {
        "signups": client.get(v1(f"/meals/{meal.id}/signups"), headers=actor.headers),
        "see_draft": client.get(v1(f"/meals/{draft.id}"), headers=actor.headers),
        "edit_draft": client.patch(
            v1(f"/meals/{draft.id}"), json={"title": "Changed"}, headers=actor.headers
        ),
        "create_meal": client.post(
            v1(f"/canteens/{canteen.id}/meals"), json=new_meal(), headers=actor.headers
        ),
        "summary": client.get(v1(f"/meals/{meal.id}/summary"), headers=actor.headers),
        "check_in": client.post(
            v1(f"/signups/{dinner['signup']['id']}/check-in"),
            json={"attendance": "attended"},
            headers=actor.headers,
        ),
        "read_conversation": client.get(f"{conversation}/messages", headers=actor.headers),
        "write_conversation": client.post(
            f"{conversation}/messages", json={"body": "Bonjour"}, headers=actor.headers
        ),
    }


def listed_hosts(client: Any, canteen: Any) -> set[int]:
    moderator = canteen.neighbourhood.moderator
    body = client.get(v1(f"/canteens/{canteen.id}"), headers=moderator.headers).get_json()
    return {h["id"] for h in body["hosts"]}


def test_a_current_host_has_every_power(client, dinner):
    """The control: the same calls succeed for a host, so refusals below mean something."""
    host = dinner["canteen"].host
    answers = host_powers(client, dinner, host)
    assert {name: r.status_code for name, r in answers.items()} == {
        "signups": 200,
        "see_draft": 200,
        "edit_draft": 200,
        "create_meal": 201,
        "summary": 200,
        "check_in": 200,
        "read_conversation": 200,
        "write_conversation": 201,
    }
    signups = answers["signups"].get_json()
    assert signups["items"][0]["dietary"] == {
        "diets": ["vegetarian"],
        "allergens": ["milk"],
    }
    assert host.id in listed_hosts(client, dinner["canteen"])


@pytest.mark.parametrize("path", PATHS)
def test_a_former_host_has_no_host_power(client, api, dinner, path):
    canteen = dinner["canteen"]
    host = canteen.host
    stop_hosting(client, canteen, path)

    answers = host_powers(client, dinner, host)
    for name, r in answers.items():
        assert r.status_code in (403, 404), (name, r.status_code, r.get_json())
        assert_error(r, r.status_code)
    # Nothing of the diners' needs leaks in the refusal.
    assert "milk" not in answers["signups"].get_data(as_text=True)
    assert host.id not in listed_hosts(client, canteen)
    assert listed_hosts(client, canteen) == {dinner["co_host"].id}
    # Not in the meal conversation any more: its participants no longer include them.
    co_host = dinner["co_host"]
    body = api.get(
        f"/conversations/{dinner['conversation_id']}", headers=co_host.headers
    ).get_json()
    assert {p["id"] for p in body["participants"]} == {co_host.id, dinner["diner"].id}
    conversations = api.get("/conversations", headers=host.headers).get_json()
    if path != "left" and path != "removed":
        assert conversations["items"] == []


@pytest.mark.parametrize("path", PATHS)
def test_a_former_host_is_not_added_to_meals_published_later(client, api, dinner, path):
    canteen, co_host = dinner["canteen"], dinner["co_host"]
    host = canteen.host
    stop_hosting(client, canteen, path)

    r = api.post(
        f"/canteens/{canteen.id}/meals?publish=true", json=new_meal(), headers=co_host.headers
    )
    assert r.status_code == 201, r.get_json()
    later = r.get_json()
    assert later["conversation_id"] is not None
    body = api.get(f"/conversations/{later['conversation_id']}", headers=co_host.headers).get_json()
    assert {p["id"] for p in body["participants"]} == {co_host.id}
    assert_error(api.get(f"/conversations/{later['conversation_id']}", headers=host.headers), 404)
    # Publishing a draft later does not bring them back either.
    draft = dinner["draft"]
    r = api.post(f"/meals/{draft.id}/publish", headers=co_host.headers)
    assert r.status_code == 200, r.get_json()
    body = api.get(
        f"/conversations/{r.get_json()['conversation_id']}", headers=co_host.headers
    ).get_json()
    assert host.id not in {p["id"] for p in body["participants"]}


@pytest.mark.parametrize("path", ["demoted_to_member", "left_and_rejoined"])
def test_becoming_host_again_needs_a_new_appointment(client, api, dinner, path):
    """The appointment is deleted when hosting ends: the `host` role alone restores nothing,
    and a moderator's new appointment restores everything."""
    canteen = dinner["canteen"]
    nh, host, moderator = canteen.neighbourhood, canteen.host, canteen.neighbourhood.moderator
    stop_hosting(client, canteen, path)
    r = api.patch(
        f"/neighbourhoods/{nh.id}/members/{host.id}",
        json={"role": "host"},
        headers=moderator.headers,
    )
    assert r.status_code == 200, r.get_json()
    assert_error(api.get(f"/meals/{dinner['meal'].id}/signups", headers=host.headers), 403)
    assert host.id not in listed_hosts(client, canteen)

    r = api.post(f"/canteens/{canteen.id}/hosts/{host.id}", headers=moderator.headers)
    assert r.status_code == 201, r.get_json()
    assert api.get(f"/meals/{dinner['meal'].id}/signups", headers=host.headers).status_code
    assert (
        api.get(
            f"/conversations/{dinner['conversation_id']}/messages", headers=host.headers
        ).status_code
        == 200
    )


def test_a_moderator_who_hosts_keeps_hosting_as_moderator_and_stops_as_member(api, auth, kitchen):
    """Moderators may host; set to `member`, a moderator host stops hosting."""
    nh = auth.neighbourhood()
    second = auth.member(nh, role="moderator")
    canteen = kitchen.canteen(nh, second)
    meal = kitchen.meal(canteen)
    assert api.get(f"/meals/{meal.id}/signups", headers=second.headers).status_code == 200
    r = api.patch(
        f"/neighbourhoods/{nh.id}/members/{second.id}",
        json={"role": "member"},
        headers=nh.moderator.headers,
    )
    assert r.status_code == 200, r.get_json()
    assert_error(api.get(f"/meals/{meal.id}/signups", headers=second.headers), 403)


def test_a_deleted_account_stops_hosting(client, api, auth, dinner):
    from tests.support.settings import TEST_PASSWORD

    canteen, co_host = dinner["canteen"], dinner["co_host"]
    r = api.delete("/me", json={"password": TEST_PASSWORD}, headers=canteen.host.headers)
    assert r.status_code == 204, r.get_data(as_text=True)
    assert listed_hosts(client, canteen) == {co_host.id}
    body = api.get(
        f"/conversations/{dinner['conversation_id']}", headers=co_host.headers
    ).get_json()
    assert {p["id"] for p in body["participants"]} == {co_host.id, dinner["diner"].id}


# --- live: a former host stops hearing the meal's conversation --------------------------------


def heard(socket: Any, conversation_id: int) -> list[str]:
    return [
        e["args"][0]["message"]["body"]
        for e in socket.get_received()
        if e["name"] == "message:created" and e["args"][0]["conversation_id"] == conversation_id
    ]


@pytest.mark.parametrize("path", ["removed_as_host", "demoted_to_member"])
def test_a_former_hosts_socket_stops_hearing_the_meal_conversation(client, dinner, sockets, path):
    canteen, diner = dinner["canteen"], dinner["diner"]
    conversation_id = dinner["conversation_id"]
    socket = sockets.connected(canteen.host)
    url = f"{API}/conversations/{conversation_id}/messages"
    assert client.post(url, json={"body": "Avant"}, headers=diner.headers).status_code == 201
    assert heard(socket, conversation_id) == ["Avant"]

    stop_hosting(client, canteen, path)
    assert client.post(url, json={"body": "Après"}, headers=diner.headers).status_code == 201
    assert heard(socket, conversation_id) == []


@pytest.mark.parametrize("state", ["member", "left", "pending"])
def test_an_appointment_without_a_hosting_membership_grants_nothing(
    client, api, auth, kitchen, state
):
    """The mechanism: hosting is derived from the appointment AND the current membership, so
    an appointment row that some path left behind is inert."""
    from neighbours.extensions import db
    from neighbours.meals.models import CanteenHost

    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen)
    if state == "left":
        person = auth.member(canteen.neighbourhood, role="host", status="left")
    elif state == "pending":
        person = auth.member(canteen.neighbourhood, role="host", status="pending")
    else:
        person = auth.member(canteen.neighbourhood)
    db.session.add(CanteenHost(canteen_id=canteen.id, user_id=person.id))
    db.session.commit()

    r = api.get(f"/meals/{meal.id}/signups", headers=person.headers)
    assert_error(r, 403 if state == "member" else 404)
    assert person.id not in listed_hosts(client, canteen)


@pytest.mark.parametrize("path", ["removed_as_host", "demoted_to_member"])
def test_a_former_host_watching_a_draft_stops_hearing_it(client, api, dinner, sockets, path):
    """The room sync that follows the end of hosting re-checks watched meals: a draft is for
    current hosts only."""
    canteen, draft, co_host = dinner["canteen"], dinner["draft"], dinner["co_host"]
    socket = sockets.connected(canteen.host)
    ack = socket.emit("meal:watch", {"meal_id": draft.id}, callback=True)
    assert ack["ok"] is True, ack

    def draft_updates() -> list[dict]:
        return [
            e["args"][0]
            for e in socket.get_received()
            if e["name"] == "meal:availability" and e["args"][0]["meal_id"] == draft.id
        ]

    def resize(capacity: int) -> None:
        r = api.patch(
            f"/meals/{draft.id}",
            json={"pools": [{"key": "table", "capacity": capacity}]},
            headers=co_host.headers,
        )
        assert r.status_code == 200, r.get_json()

    resize(12)
    assert draft_updates(), "the control: a host watching a draft hears it"
    stop_hosting(client, canteen, path)
    socket.get_received()
    resize(14)
    assert draft_updates() == []
