"""Messages: sending, paging both ways, read markers, live delivery and notifications."""

from __future__ import annotations

from typing import Any

from tests.messages.test_conversations import URL, send, start
from tests.support.errors import assert_error
from tests.support.sockets import received


def conversation_of(client: Any, auth: Any) -> tuple[Any, Any, int]:
    nh = auth.neighbourhood()
    ana, ben = auth.member(nh), auth.member(nh)
    return ana, ben, start(client, ana, ben).get_json()["id"]


def test_send_and_read_oldest_first(client, auth):
    ana, ben, cid = conversation_of(client, auth)
    r = send(client, ana, cid, "Can I borrow your drill?")
    assert r.status_code == 201
    message = r.get_json()
    assert message["author"] == {"id": ana.id, "display_name": ana.display_name, "avatar_url": None}
    assert message["body"] == "Can I borrow your drill?"
    assert message["created_at"].endswith("Z")
    send(client, ben, cid, "Of course, come by at six.")

    body = client.get(f"{URL}/{cid}/messages", headers=ben.headers).get_json()

    assert [m["body"] for m in body["items"]] == [
        "Can I borrow your drill?",
        "Of course, come by at six.",
    ]
    assert body["next_cursor"] is None and body["prev_cursor"] is None
    assert body["latest_cursor"]


def test_body_length_is_bounded(client, auth):
    ana, _ben, cid = conversation_of(client, auth)
    assert send(client, ana, cid, "x" * 2000).status_code == 201
    assert_error(send(client, ana, cid, "x" * 2001), 422, "body")
    assert_error(send(client, ana, cid, ""), 422, "body")
    assert_error(send(client, ana, cid, "   "), 422, "body")
    r = client.post(f"{URL}/{cid}/messages", json={}, headers=ana.headers)
    assert_error(r, 422, "body")


def test_newest_page_is_reachable_and_older_pages_follow(client, auth):
    ana, ben, cid = conversation_of(client, auth)
    for i in range(25):
        send(client, ana if i % 2 else ben, cid, f"m{i}")

    latest = client.get(
        f"{URL}/{cid}/messages?latest=true&limit=10", headers=ana.headers
    ).get_json()
    assert [m["body"] for m in latest["items"]] == [f"m{i}" for i in range(15, 25)]
    assert latest["next_cursor"] is None and latest["prev_cursor"]

    older = client.get(
        f"{URL}/{cid}/messages?before={latest['prev_cursor']}&limit=10", headers=ana.headers
    ).get_json()
    assert [m["body"] for m in older["items"]] == [f"m{i}" for i in range(5, 15)]
    oldest = client.get(
        f"{URL}/{cid}/messages?before={older['prev_cursor']}&limit=10", headers=ana.headers
    ).get_json()
    assert [m["body"] for m in oldest["items"]] == [f"m{i}" for i in range(5)]
    assert oldest["prev_cursor"] is None

    # After reconnecting, `after=latest_cursor` fetches exactly what arrived since.
    send(client, ben, cid, "new one")
    since = client.get(
        f"{URL}/{cid}/messages?after={latest['latest_cursor']}", headers=ana.headers
    ).get_json()
    assert [m["body"] for m in since["items"]] == ["new one"]


def test_forward_walk_returns_every_message_once_while_new_ones_arrive(client, auth):
    ana, ben, cid = conversation_of(client, auth)
    for i in range(9):
        send(client, ana, cid, f"m{i}")
    seen: list[str] = []
    url = f"{URL}/{cid}/messages?limit=4"
    while True:
        body = client.get(url, headers=ben.headers).get_json()
        seen += [m["body"] for m in body["items"]]
        if len(seen) == 4:
            send(client, ana, cid, "late")
        if not body["next_cursor"]:
            break
        url = f"{URL}/{cid}/messages?limit=4&after={body['next_cursor']}"
    assert seen == [f"m{i}" for i in range(9)] + ["late"]


def test_one_paging_direction_at_a_time_and_cursors_checked(client, auth):
    ana, _ben, cid = conversation_of(client, auth)
    assert_error(
        client.get(f"{URL}/{cid}/messages?latest=true&before=abc", headers=ana.headers),
        422,
        "before",
        "query",
    )
    assert_error(
        client.get(f"{URL}/{cid}/messages?after=%%%", headers=ana.headers), 422, "after", "query"
    )
    assert_error(
        client.get(f"{URL}/{cid}/messages?limit=101", headers=ana.headers), 422, "limit", "query"
    )


def test_read_marker_moves_forward_only(client, auth):
    ana, ben, cid = conversation_of(client, auth)
    ids = [send(client, ana, cid, f"m{i}").get_json()["id"] for i in range(3)]

    r = client.post(f"{URL}/{cid}/read", json={"up_to_message_id": ids[1]}, headers=ben.headers)
    assert r.status_code == 200
    assert r.get_json() == {
        "conversation_id": cid,
        "last_read_message_id": ids[1],
        "unread_count": 1,
    }
    r = client.post(f"{URL}/{cid}/read", json={"up_to_message_id": ids[0]}, headers=ben.headers)
    assert r.get_json()["last_read_message_id"] == ids[1]
    r = client.post(f"{URL}/{cid}/read", json={"up_to_message_id": ids[2]}, headers=ben.headers)
    assert r.get_json()["unread_count"] == 0


def test_read_marker_must_name_a_message_of_the_conversation(client, auth):
    _ana, ben, cid = conversation_of(client, auth)
    stranger, _y, other = conversation_of(client, auth)
    foreign = send(client, stranger, other).get_json()["id"]
    r = client.post(f"{URL}/{cid}/read", json={"up_to_message_id": foreign}, headers=ben.headers)
    assert_error(r, 422, "up_to_message_id")
    r = client.post(f"{URL}/{cid}/read", json={"up_to_message_id": "x"}, headers=ben.headers)
    assert_error(r, 422, "up_to_message_id")


def test_first_message_notifies_later_ones_do_not(client, api, auth):
    ana, ben, cid = conversation_of(client, auth)
    send(client, ana, cid, "hello")
    send(client, ana, cid, "are you there?")

    notes = api.get("/notifications", headers=ben.headers).get_json()["items"]

    assert [n["type"] for n in notes] == ["new_conversation"]
    assert notes[0]["payload"]["conversation_id"] == cid
    assert notes[0]["payload"]["actor"]["id"] == ana.id
    assert api.get("/notifications", headers=ana.headers).get_json()["items"] == []


def test_message_created_reaches_every_participant_and_nobody_else(client, auth, sockets):
    nh = auth.neighbourhood()
    ana, ben, eve = auth.member(nh), auth.member(nh), auth.member(nh)
    cid = start(client, ana, ben).get_json()["id"]
    opened = {a.id: sockets.connected(a) for a in (ana, ben, eve)}
    for s in opened.values():
        s.get_received()

    message = send(client, ana, cid, "live!").get_json()

    for actor in (ana, ben):
        assert received(opened[actor.id], "message:created") == [
            {"conversation_id": cid, "message": message}
        ]
    assert received(opened[eve.id], "message:created") == []


def test_nothing_is_sent_when_the_message_is_refused(client, api, auth, sockets):
    ana, ben, cid = conversation_of(client, auth)
    api.post(f"/users/{ana.id}/block", headers=ben.headers)
    socket = sockets.connected(ben)
    socket.get_received()

    assert_error(send(client, ana, cid, "let me in"), 403)

    assert received(socket, "message:created") == []
