"""Held words apply to every write of a text: edits of posts and comments, and new comments."""

from __future__ import annotations

from tests.moderation.api import decided, feed_ids, queue, received, reported
from tests.support.api import v1


def _hold(client, quartier, *words):
    r = client.patch(
        v1(f"/neighbourhoods/{quartier.id}/moderation/settings"),
        json={"held_words": list(words)},
        headers=quartier.moderator.headers,
    )
    assert r.status_code == 200, r.get_json()


def _post(client, actor, quartier, title="Tomatoes", body="Spare tomatoes at the canteen"):
    r = client.post(
        v1(f"/neighbourhoods/{quartier.id}/posts"),
        json={"category": "offer", "title": title, "body": body},
        headers=actor.headers,
    )
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _comment(client, actor, post_id, body):
    r = client.post(v1(f"/posts/{post_id}/comments"), json={"body": body}, headers=actor.headers)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _comment_ids(client, actor, post_id):
    r = client.get(v1(f"/posts/{post_id}/comments"), headers=actor.headers)
    assert r.status_code == 200, r.get_json()
    return [c["id"] for c in r.get_json()["items"]]


def test_a_clean_post_edited_to_hold_a_held_word_leaves_the_feed(client, api, quartier, sockets):
    _hold(client, quartier, "casino")
    post = _post(client, quartier.alice, quartier)
    assert feed_ids(client, quartier.bob, quartier.id) == [post["id"]]
    bobs = sockets.connected(quartier.bob)
    moderators = sockets.connected(quartier.moderator)

    r = api.patch(
        f"/posts/{post['id']}",
        json={"body": "Online CASINO bonus, click here"},
        headers=quartier.alice.headers,
    )

    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "held"
    assert feed_ids(client, quartier.bob, quartier.id) == []
    assert api.get(f"/posts/{post['id']}", headers=quartier.bob.headers).status_code == 404
    assert received(bobs, "post:removed") == [{"id": post["id"], "neighbourhood_id": quartier.id}]
    assert received(bobs, "post:updated") == []
    [event] = received(moderators, "moderation:item")
    assert (event["target_id"], event["held_reason"]) == (post["id"], "held_word")
    [item] = queue(client, quartier.moderator, quartier.id)["items"]
    assert (item["target_type"], item["target_id"], item["held_reason"]) == (
        "post",
        post["id"],
        "held_word",
    )
    assert item["content"]["body"] == "Online CASINO bonus, click here"  # what is there now

    decided(client, quartier.moderator, item["id"], "dismiss")
    assert feed_ids(client, quartier.bob, quartier.id) == [post["id"]]


def test_a_held_word_in_an_edited_title_holds_the_post_again_after_a_decision(
    client, api, quartier
):
    """An item a moderator already resolved (a report dismissed) comes back as held."""
    _hold(client, quartier, "free money")
    post = _post(client, quartier.alice, quartier)
    item_id = reported(client, quartier.bob, "post", post["id"])["item_id"]
    decided(client, quartier.moderator, item_id, "dismiss")

    r = api.patch(
        f"/posts/{post['id']}", json={"title": "Free money"}, headers=quartier.alice.headers
    )

    assert r.get_json()["status"] == "held"
    [item] = queue(client, quartier.moderator, quartier.id)["items"]
    assert (item["id"], item["held_reason"], item["score"]) == (item_id, "held_word", 0)


def test_new_and_edited_comments_with_a_held_word_wait_for_a_moderator(client, api, quartier):
    _hold(client, quartier, "casino")
    post = _post(client, quartier.alice, quartier)
    clean = _comment(client, quartier.bob, post["id"], "I'll take some")
    held = _comment(client, quartier.carol, post["id"], "Try my casino")
    assert held["status"] == "held"
    assert _comment_ids(client, quartier.dave, post["id"]) == [clean["id"]]

    r = api.patch(
        f"/comments/{clean['id']}", json={"body": "casino bonus"}, headers=quartier.bob.headers
    )

    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "held"
    assert _comment_ids(client, quartier.dave, post["id"]) == []
    assert set(_comment_ids(client, quartier.moderator, post["id"])) == {clean["id"], held["id"]}
    items = queue(client, quartier.moderator, quartier.id)["items"]
    assert {(i["target_type"], i["target_id"], i["held_reason"]) for i in items} == {
        ("comment", clean["id"], "held_word"),
        ("comment", held["id"], "held_word"),
    }
    mine = next(i for i in items if i["target_id"] == clean["id"])
    assert mine["content"]["body"] == "casino bonus"

    decided(client, quartier.moderator, mine["id"], "dismiss")
    assert _comment_ids(client, quartier.dave, post["id"]) == [clean["id"]]
