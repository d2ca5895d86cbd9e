"""Conversations: who may start one, the list, unread counts, and its query cost."""

from __future__ import annotations

from typing import Any

from tests.support.errors import assert_error

URL = "/api/v1/conversations"


def start(client: Any, actor: Any, *others: Any, title: str | None = None) -> Any:
    body: dict[str, Any] = {"participant_ids": [o.id for o in others]}
    if title:
        body["title"] = title
    return client.post(URL, json=body, headers=actor.headers)


def send(client: Any, actor: Any, conversation_id: int, body: str = "Bonjour !") -> Any:
    return client.post(
        f"{URL}/{conversation_id}/messages", json={"body": body}, headers=actor.headers
    )


def test_two_neighbours_start_a_direct_conversation(client, auth):
    nh = auth.neighbourhood()
    ana, ben = auth.member(nh), auth.member(nh)

    r = start(client, ana, ben)

    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["kind"] == "direct"
    assert sorted(p["id"] for p in body["participants"]) == sorted([ana.id, ben.id])
    assert body["last_message"] is None and body["unread_count"] == 0
    assert body["neighbourhood_id"] == nh.id


def test_asking_again_returns_the_same_direct_conversation(client, auth):
    nh = auth.neighbourhood()
    ana, ben = auth.member(nh), auth.member(nh)
    first = start(client, ana, ben).get_json()

    again = start(client, ben, ana)

    assert again.status_code == 200
    assert again.get_json()["id"] == first["id"]


def test_group_conversation_with_title(client, auth):
    nh = auth.neighbourhood()
    ana, ben, cleo = auth.member(nh), auth.member(nh), auth.member(nh)

    r = start(client, ana, ben, cleo, title="Fête des voisins")

    assert r.status_code == 201
    assert r.get_json()["kind"] == "group"
    assert r.get_json()["title"] == "Fête des voisins"
    assert len(r.get_json()["participants"]) == 3


def test_someone_sharing_no_neighbourhood_is_refused(client, auth):
    ana = auth.member(auth.neighbourhood())
    stranger = auth.member(auth.neighbourhood())
    assert_error(start(client, ana, stranger), 403)


def test_a_pending_member_shares_nothing_yet(client, auth):
    nh = auth.neighbourhood(join_policy="approval")
    ana = auth.member(nh)
    pending = auth.member(nh, status="pending")
    assert_error(start(client, ana, pending), 403)
    assert_error(start(client, pending, ana), 403)


def test_unknown_user_is_refused_like_a_stranger(client, auth):
    ana = auth.member(auth.neighbourhood())
    r = client.post(URL, json={"participant_ids": [999999]}, headers=ana.headers)
    assert_error(r, 403)


def test_someone_who_blocked_me_cannot_be_written_to(client, api, auth):
    nh = auth.neighbourhood()
    ana, ben = auth.member(nh), auth.member(nh)
    assert api.post(f"/users/{ana.id}/block", headers=ben.headers).status_code == 204

    assert_error(start(client, ana, ben), 403)


def test_blocked_person_cannot_write_into_a_shared_conversation(client, api, auth):
    nh = auth.neighbourhood()
    ana, ben, cleo = auth.member(nh), auth.member(nh), auth.member(nh)
    conversation = start(client, ana, ben, cleo, title="Jardin partagé").get_json()
    assert send(client, ana, conversation["id"]).status_code == 201
    api.post(f"/users/{ana.id}/block", headers=cleo.headers)

    assert_error(send(client, ana, conversation["id"]), 403)
    assert send(client, ben, conversation["id"]).status_code == 201


def test_bad_input_names_the_field(client, auth):
    nh = auth.neighbourhood()
    ana, ben = auth.member(nh), auth.member(nh)
    assert_error(client.post(URL, json={}, headers=ana.headers), 422, "participant_ids")
    assert_error(
        client.post(URL, json={"participant_ids": "x"}, headers=ana.headers), 422, "participant_ids"
    )
    assert_error(
        client.post(URL, json={"participant_ids": [ana.id]}, headers=ana.headers),
        422,
        "participant_ids",
    )
    assert_error(
        client.post(URL, json={"participant_ids": [ben.id], "title": ""}, headers=ana.headers),
        422,
        "title",
    )
    assert_error(client.post(URL, data="hello", headers=ana.headers), 400)


def test_outsiders_get_404_everywhere(client, auth):
    nh = auth.neighbourhood()
    ana, ben, eve = auth.member(nh), auth.member(nh), auth.member(nh)
    conversation = start(client, ana, ben).get_json()
    message = send(client, ana, conversation["id"]).get_json()
    cid = conversation["id"]

    assert_error(client.get(f"{URL}/{cid}", headers=eve.headers), 404)
    assert_error(client.get(f"{URL}/{cid}/messages", headers=eve.headers), 404)
    assert_error(send(client, eve, cid), 404)
    r = client.post(
        f"{URL}/{cid}/read", json={"up_to_message_id": message["id"]}, headers=eve.headers
    )
    assert_error(r, 404)
    assert cid not in [c["id"] for c in client.get(URL, headers=eve.headers).get_json()["items"]]


def test_list_is_ordered_by_last_activity_with_unread_counts(client, auth):
    nh = auth.neighbourhood()
    ana, ben, cleo = auth.member(nh), auth.member(nh), auth.member(nh)
    with_ben = start(client, ana, ben).get_json()["id"]
    with_cleo = start(client, ana, cleo).get_json()["id"]
    send(client, ben, with_ben, "one")
    send(client, ben, with_ben, "two")
    send(client, cleo, with_cleo, "three")

    items = client.get(URL, headers=ana.headers).get_json()["items"]

    assert [c["id"] for c in items] == [with_cleo, with_ben]
    assert [c["unread_count"] for c in items] == [1, 2]
    assert items[0]["last_message"]["body"] == "three"
    send(client, ana, with_ben, "my answer")
    items = client.get(URL, headers=ana.headers).get_json()["items"]
    assert [c["id"] for c in items] == [with_ben, with_cleo]
    # Answering is reading: what came before my message is no longer unread.
    assert items[0]["unread_count"] == 0
    # Ben's own messages are never unread for him.
    ben_view = client.get(URL, headers=ben.headers).get_json()["items"][0]
    assert ben_view["unread_count"] == 1


def test_list_costs_a_fixed_number_of_queries(client, auth, count_queries):
    nh = auth.neighbourhood()
    ana = auth.member(nh)

    def fill(n: int) -> None:
        for _ in range(n):
            other = auth.member(nh)
            cid = start(client, ana, other).get_json()["id"]
            send(client, other, cid)

    def cost(limit: int) -> int:
        with count_queries() as statements:
            r = client.get(f"{URL}?limit={limit}", headers=ana.headers)
        assert r.status_code == 200
        assert len(r.get_json()["items"]) == limit
        return len(statements)

    fill(3)
    small = cost(3)
    fill(20)
    assert cost(23) == small


def test_walking_the_cursor_returns_each_conversation_once(client, auth):
    nh = auth.neighbourhood()
    ana = auth.member(nh)
    ids = [start(client, ana, auth.member(nh)).get_json()["id"] for _ in range(7)]
    seen: list[int] = []
    url = f"{URL}?limit=3"
    while True:
        body = client.get(url, headers=ana.headers).get_json()
        seen += [c["id"] for c in body["items"]]
        if not body["next_cursor"]:
            break
        url = f"{URL}?limit=3&after={body['next_cursor']}"
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))
