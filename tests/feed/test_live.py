"""post:created / post:updated / post:removed reach the neighbourhood's sockets, after commit."""

from __future__ import annotations

from tests.feed.api import create_post, received


def test_a_members_socket_follows_the_feed_and_another_neighbourhood_hears_nothing(
    client, api, quartier, sockets
):
    bobs = sockets.connected(quartier.bob)
    elsewhere = sockets.connected(quartier.outsider)

    post = create_post(client, quartier.alice, quartier.id, title="Street party")
    [created] = received(bobs, "post:created")
    # The post as any member sees it: no `my_reactions` of whoever the server read it as.
    assert created == {k: v for k, v in post.items() if k != "my_reactions"}
    assert created["title"] == "Street party"
    assert created["author"] == {
        "id": quartier.alice.id,
        "display_name": "Alice",
        "avatar_url": None,
    }

    r = api.patch(
        f"/posts/{post['id']}",
        json={"title": "Street party, Saturday"},
        headers=quartier.alice.headers,
    )
    assert r.status_code == 200, r.get_json()
    [updated] = received(bobs, "post:updated")
    assert updated["id"] == post["id"]
    assert updated["title"] == "Street party, Saturday"
    assert updated["edited_at"] == r.get_json()["edited_at"]

    r = api.post(f"/posts/{post['id']}/pin", headers=quartier.moderator.headers)
    assert r.status_code == 200, r.get_json()
    [pinned] = received(bobs, "post:updated")
    assert (pinned["id"], pinned["pinned"]) == (post["id"], True)

    r = api.delete(f"/posts/{post['id']}", headers=quartier.alice.headers)
    assert r.status_code == 204
    assert received(bobs, "post:removed") == [{"id": post["id"], "neighbourhood_id": quartier.id}]

    assert elsewhere.get_received() == []


def test_a_moderator_removal_is_post_removed(client, api, quartier, sockets):
    post = create_post(client, quartier.alice, quartier.id)
    bobs = sockets.connected(quartier.bob)
    r = api.delete(f"/posts/{post['id']}", headers=quartier.moderator.headers)
    assert r.status_code == 204
    assert received(bobs, "post:removed") == [{"id": post["id"], "neighbourhood_id": quartier.id}]


def test_nothing_is_sent_when_the_request_fails(client, api, quartier, sockets):
    post = create_post(client, quartier.alice, quartier.id)
    bobs = sockets.connected(quartier.bob)

    failures = [
        api.post(
            f"/neighbourhoods/{quartier.id}/posts",
            json={"category": "announcement", "title": "t", "body": "b"},
            headers=quartier.alice.headers,
        ),
        api.post(
            f"/neighbourhoods/{quartier.id}/posts",
            json={"category": "general", "body": "no title"},
            headers=quartier.alice.headers,
        ),
        api.patch(f"/posts/{post['id']}", json={"title": "x"}, headers=quartier.bob.headers),
        api.patch(
            f"/posts/{post['id']}",
            json={"category": "announcement"},
            headers=quartier.alice.headers,
        ),
        api.post(f"/posts/{post['id']}/pin", headers=quartier.alice.headers),
        api.delete(f"/posts/{post['id']}", headers=quartier.bob.headers),
    ]
    assert [r.status_code for r in failures] == [403, 422, 403, 403, 403, 403]
    assert bobs.get_received() == []
