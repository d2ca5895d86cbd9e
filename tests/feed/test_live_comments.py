"""comment:created / comment:updated / comment:removed and post:reactions reach the members of
the post's neighbourhood, as any member sees them, and nothing a member may not see."""

from __future__ import annotations

from tests.feed.api import create_comment, create_post, received


def _hold(api, quartier, *words):
    r = api.patch(
        f"/neighbourhoods/{quartier.id}/moderation/settings",
        json={"held_words": list(words)},
        headers=quartier.moderator.headers,
    )
    assert r.status_code == 200, r.get_json()


def _react(api, actor, post_id, kind, method="put"):
    r = getattr(api, method)(f"/posts/{post_id}/reactions/{kind}", headers=actor.headers)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_a_comment_is_created_edited_and_removed_live(client, api, quartier, sockets):
    post = create_post(client, quartier.alice, quartier.id)
    bobs = sockets.connected(quartier.bob)
    elsewhere = sockets.connected(quartier.outsider)

    comment = create_comment(client, quartier.alice, post["id"], "See you there")
    [created] = received(bobs, "comment:created")
    listed = api.get(f"/posts/{post['id']}/comments", headers=quartier.bob.headers).get_json()
    assert created == comment == listed["items"][0]

    r = api.patch(
        f"/comments/{comment['id']}", json={"body": "See you at 8"}, headers=quartier.alice.headers
    )
    assert r.status_code == 200, r.get_json()
    [updated] = received(bobs, "comment:updated")
    assert updated == r.get_json()
    assert updated["body"] == "See you at 8"

    r = api.delete(f"/comments/{comment['id']}", headers=quartier.alice.headers)
    assert r.status_code == 204
    assert received(bobs, "comment:removed") == [
        {"id": comment["id"], "post_id": post["id"], "neighbourhood_id": quartier.id}
    ]

    assert elsewhere.get_received() == []


def test_a_moderator_removal_and_a_failed_comment_push_what_happened(
    client, api, quartier, sockets
):
    post = create_post(client, quartier.alice, quartier.id)
    comment = create_comment(client, quartier.bob, post["id"])
    alices = sockets.connected(quartier.alice)

    r = api.patch(f"/comments/{comment['id']}", json={"body": "x"}, headers=quartier.alice.headers)
    assert r.status_code == 403
    r = api.post(f"/posts/{post['id']}/comments", json={"body": ""}, headers=quartier.alice.headers)
    assert r.status_code == 422
    assert alices.get_received() == []

    r = api.delete(f"/comments/{comment['id']}", headers=quartier.moderator.headers)
    assert r.status_code == 204
    assert [c["id"] for c in received(alices, "comment:removed")] == [comment["id"]]


def test_a_held_comment_is_not_pushed_and_an_edit_into_a_hold_removes_it(
    client, api, quartier, sockets
):
    _hold(api, quartier, "casino")
    post = create_post(client, quartier.alice, quartier.id)
    bobs = sockets.connected(quartier.bob)
    moderators = sockets.connected(quartier.moderator)

    held = create_comment(client, quartier.alice, post["id"], "Online CASINO bonus")
    assert held["status"] == "held"
    assert received(bobs, "comment:created") == []
    assert received(moderators, "comment:created") == []  # the moderators' view is not pushed

    r = api.patch(
        f"/comments/{held['id']}", json={"body": "casino again"}, headers=quartier.alice.headers
    )
    assert r.status_code == 409  # a held comment can't be edited; nothing pushed either
    r = api.delete(f"/comments/{held['id']}", headers=quartier.alice.headers)
    assert r.status_code == 204
    assert bobs.get_received() == []  # a held comment's deletion tells members nothing

    clean = create_comment(client, quartier.alice, post["id"], "Bring bread")
    assert [c["id"] for c in received(bobs, "comment:created")] == [clean["id"]]
    r = api.patch(
        f"/comments/{clean['id']}", json={"body": "Bring casino"}, headers=quartier.alice.headers
    )
    assert r.status_code == 200, r.get_json()
    removed = {"id": clean["id"], "post_id": post["id"], "neighbourhood_id": quartier.id}
    events = bobs.get_received()
    assert [
        (e["name"], {k: v for k, v in e["args"][0].items() if k != "event_id"}) for e in events
    ] == [("comment:removed", removed)]


def test_comments_under_a_post_members_cannot_see_are_not_pushed(client, api, quartier, sockets):
    _hold(api, quartier, "casino")
    post = create_post(client, quartier.alice, quartier.id)
    comment = create_comment(client, quartier.alice, post["id"], "First")
    r = api.patch(
        f"/posts/{post['id']}", json={"body": "casino night"}, headers=quartier.alice.headers
    )
    assert r.get_json()["status"] == "held"
    bobs = sockets.connected(quartier.bob)

    r = api.patch(
        f"/comments/{comment['id']}", json={"body": "Second"}, headers=quartier.alice.headers
    )
    assert r.status_code == 200, r.get_json()
    r = api.delete(f"/comments/{comment['id']}", headers=quartier.alice.headers)
    assert r.status_code == 204
    assert bobs.get_received() == []


def test_moderation_hides_and_restores_a_comment_live(client, api, quartier, sockets):
    post = create_post(client, quartier.alice, quartier.id)
    comment = create_comment(client, quartier.alice, post["id"], "Hmm")
    bobs = sockets.connected(quartier.bob)
    r = api.post(
        "/reports",
        json={"target_type": "comment", "target_id": comment["id"], "reason": "spam"},
        headers=quartier.bob.headers,
    )
    assert r.status_code == 201, r.get_json()
    item_id = r.get_json()["item_id"]

    r = api.post(
        f"/moderation/items/{item_id}/decide",
        json={"action": "hide", "reason": "spam"},
        headers=quartier.moderator.headers,
    )
    assert r.status_code == 200, r.get_json()
    assert received(bobs, "comment:removed") == [
        {"id": comment["id"], "post_id": post["id"], "neighbourhood_id": quartier.id}
    ]

    r = api.post(
        f"/moderation/items/{item_id}/decide",
        json={"action": "dismiss", "reason": "fine after all"},
        headers=quartier.moderator.headers,
    )
    assert r.status_code == 200, r.get_json()
    [back] = received(bobs, "comment:created")
    assert (back["id"], back["status"], back["body"]) == (comment["id"], "published", "Hmm")


def test_reaction_counts_are_pushed_only_when_they_change(client, api, quartier, sockets):
    post = create_post(client, quartier.alice, quartier.id)
    bobs = sockets.connected(quartier.bob)
    alices = sockets.connected(quartier.alice)
    elsewhere = sockets.connected(quartier.outsider)

    _react(api, quartier.bob, post["id"], "like")
    expected = {"post_id": post["id"], "neighbourhood_id": quartier.id, "reactions": {"like": 1}}
    assert received(alices, "post:reactions") == [expected]
    assert received(bobs, "post:reactions") == [expected]  # the same for everyone

    _react(api, quartier.bob, post["id"], "like")  # PUT again: nothing changed
    _react(api, quartier.alice, post["id"], "thanks", "delete")  # nothing to take back
    assert alices.get_received() == []

    _react(api, quartier.alice, post["id"], "thanks")
    _react(api, quartier.bob, post["id"], "like", "delete")
    assert [e["reactions"] for e in received(bobs, "post:reactions")] == [
        {"like": 1, "thanks": 1},
        {"thanks": 1},
    ]
    assert elsewhere.get_received() == []


def test_post_updated_carries_no_my_reactions_to_wipe_a_readers_own(client, api, quartier, sockets):
    post = create_post(client, quartier.alice, quartier.id)
    _react(api, quartier.bob, post["id"], "like")
    bobs = sockets.connected(quartier.bob)

    r = api.patch(f"/posts/{post['id']}", json={"title": "New"}, headers=quartier.alice.headers)
    assert r.status_code == 200, r.get_json()

    [updated] = received(bobs, "post:updated")
    assert "my_reactions" not in updated
    assert (updated["title"], updated["reactions"]) == ("New", {"like": 1})
    mine = api.get(f"/posts/{post['id']}", headers=quartier.bob.headers).get_json()
    assert {**mine, **updated} == mine  # merged into Bob's copy, his own reactions stay
