"""The event log never gives back what the API took back: an edit replaces the logged text, a
removal takes the post's comments and reactions with it, and a deleted account's words and name
go (found by an outside probe: a newcomer read a deleted post's text through GET /events)."""

from __future__ import annotations

import json

from tests.feed.api import create_comment, create_post
from tests.support.events import replayed_over_rest
from tests.support.settings import TEST_PASSWORD


def test_an_edited_then_removed_post_leaves_no_text_in_the_log(client, api, auth, quartier):
    post = create_post(client, quartier.alice, quartier.id, body="my phone is 06 12 34 56 78")
    comment = create_comment(client, quartier.alice, post["id"], "secret address 12 rue X")
    r = api.patch(
        f"/comments/{comment['id']}", json={"body": "redacted"}, headers=quartier.alice.headers
    )
    assert r.status_code == 200
    api.put(f"/posts/{post['id']}/reactions/like", headers=quartier.bob.headers)

    seen = replayed_over_rest(api, quartier.bob)
    assert not any("secret address" in payload for _name, payload in seen)  # the edit replaced it
    assert [name for name, _ in seen] == ["post:created", "comment:updated", "post:reactions"]

    assert api.delete(f"/posts/{post['id']}", headers=quartier.alice.headers).status_code == 204
    newcomer = auth.member(quartier.neighbourhood, name="Newcomer")
    for reader in (newcomer, quartier.bob):
        seen = replayed_over_rest(api, reader)
        assert [name for name, _ in seen] == ["post:removed"]
        assert not any("06 12" in payload or "redacted" in payload for _name, payload in seen)


def test_a_deleted_accounts_words_and_name_leave_the_log(client, api, auth, quartier):
    create_post(client, quartier.alice, quartier.id, body="Jam for anyone")
    other = create_post(client, quartier.bob, quartier.id, body="Bread at six")
    create_comment(client, quartier.alice, other["id"], "I'll come")
    r = api.delete("/me", json={"password": TEST_PASSWORD}, headers=quartier.alice.headers)
    assert r.status_code == 204

    seen = replayed_over_rest(api, quartier.bob)
    names = [name for name, _ in seen if name != "badges:updated"]
    # Bob's own post stays; the notification of Alice's comment is replayed as the API shows
    # it now, by a former neighbour.
    assert names == ["post:created", "notification:created"]
    listed = api.get("/notifications", headers=quartier.bob.headers).get_json()["items"]
    [note] = [json.loads(p) for n, p in seen if n == "notification:created"]
    assert note["payload"] == listed[0]["payload"]
    assert not any("Alice" in payload or "Jam" in payload for _name, payload in seen)
