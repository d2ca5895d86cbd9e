"""The conversation screen in one request: the first page of messages carries the conversation."""

from __future__ import annotations

from tests.messages.test_conversations import URL, send
from tests.messages.test_messages import conversation_of


def test_an_opening_page_carries_the_conversation(client, auth):
    ana, ben, cid = conversation_of(client, auth)
    send(client, ben, cid, "Soup tonight?")

    for query in ("", "?latest=true"):
        body = client.get(f"{URL}/{cid}/messages{query}", headers=ana.headers).get_json()
        conversation = body["conversation"]
        assert conversation["id"] == cid
        assert {p["id"] for p in conversation["participants"]} == {ana.id, ben.id}
        assert set(conversation["participants"][0]) == {"id", "display_name", "avatar_url"}
        assert conversation["unread_count"] == 1
        assert conversation["last_message"]["body"] == "Soup tonight?"


def test_a_later_page_does_not_repeat_it(client, auth):
    ana, ben, cid = conversation_of(client, auth)
    first = send(client, ben, cid, "one").get_json()
    send(client, ben, cid, "two")
    page = client.get(f"{URL}/{cid}/messages?limit=1", headers=ana.headers).get_json()
    assert page["items"][0]["id"] == first["id"]
    later = client.get(
        f"{URL}/{cid}/messages?after={page['next_cursor']}", headers=ana.headers
    ).get_json()
    assert later["conversation"] is None
    assert [m["body"] for m in later["items"]] == ["two"]


def test_the_screen_costs_a_bounded_number_of_statements(client, auth, count_queries):
    ana, ben, cid = conversation_of(client, auth)
    url = f"{URL}/{cid}/messages?latest=true"
    send(client, ben, cid, "a")
    with count_queries() as few:
        client.get(url, headers=ana.headers)
    for i in range(15):
        send(client, ana if i % 2 else ben, cid, f"m{i}")
    with count_queries() as many:
        assert client.get(url, headers=ana.headers).status_code == 200
    assert len(many) == len(few)
    assert len(many) <= 10, many
