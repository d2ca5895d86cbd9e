"""Reactions: idempotent PUT/DELETE returning the post with its counts and my reactions."""

from __future__ import annotations

from tests.feed.api import create_post
from tests.support.api import PREFIX as API
from tests.support.errors import assert_error


def react(client, actor, post_id, kind, method="put"):
    r = getattr(client, method)(f"{API}/posts/{post_id}/reactions/{kind}", headers=actor.headers)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_reactions_are_idempotent_with_counts_and_my_reactions(client, api, quartier):
    post = create_post(client, quartier.alice, quartier.id)["id"]

    first = react(client, quartier.bob, post, "like")
    assert first["id"] == post
    assert (first["reactions"], first["my_reactions"]) == ({"like": 1}, ["like"])
    again = react(client, quartier.bob, post, "like")
    assert (again["reactions"], again["my_reactions"]) == ({"like": 1}, ["like"])

    react(client, quartier.bob, post, "thanks")
    react(client, quartier.moderator, post, "like")
    alices = react(client, quartier.alice, post, "support")
    assert alices["reactions"] == {"like": 2, "thanks": 1, "support": 1}
    assert alices["my_reactions"] == ["support"]

    bobs = api.get(f"/posts/{post}", headers=quartier.bob.headers).get_json()
    assert (bobs["reactions"], bobs["my_reactions"]) == (
        {"like": 2, "thanks": 1, "support": 1},
        ["like", "thanks"],
    )

    removed = react(client, quartier.bob, post, "like", "delete")
    assert (removed["reactions"], removed["my_reactions"]) == (
        {"like": 1, "thanks": 1, "support": 1},
        ["thanks"],
    )
    removed_again = react(client, quartier.bob, post, "like", "delete")
    assert removed_again["reactions"] == {"like": 1, "thanks": 1, "support": 1}
    never = react(client, quartier.bob, post, "support", "delete")
    assert never["my_reactions"] == ["thanks"]
    assert never["reactions"] == {"like": 1, "thanks": 1, "support": 1}

    listed = api.get(
        f"/neighbourhoods/{quartier.id}/posts", headers=quartier.moderator.headers
    ).get_json()["items"]
    assert [(p["reactions"], p["my_reactions"]) for p in listed] == [
        ({"like": 1, "thanks": 1, "support": 1}, ["like"])
    ]


def test_an_unknown_kind_is_422_naming_kind_in_the_path(client, api, quartier):
    post = create_post(client, quartier.alice, quartier.id)["id"]
    for method in (client.put, client.delete):
        r = method(f"{API}/posts/{post}/reactions/love", headers=quartier.bob.headers)
        assert_error(r, 422, "kind", location="path")
    got = api.get(f"/posts/{post}", headers=quartier.bob.headers).get_json()
    assert got["reactions"] == {}


def test_reactions_need_a_token(client, api, quartier):
    post = create_post(client, quartier.alice, quartier.id)["id"]
    assert_error(api.put(f"/posts/{post}/reactions/like"), 401)
    assert_error(api.delete(f"/posts/{post}/reactions/like"), 401)


def test_reactions_are_404_outside_the_neighbourhood(client, api, auth, quartier):
    post = create_post(client, quartier.alice, quartier.id)["id"]
    pending = auth.member(quartier.neighbourhood, status="pending")
    for someone in (quartier.outsider, pending):
        for method in (client.put, client.delete):
            r = method(f"{API}/posts/{post}/reactions/like", headers=someone.headers)
            assert_error(r, 404)
    assert_error(api.put("/posts/999999/reactions/like", headers=quartier.bob.headers), 404)
    got = api.get(f"/posts/{post}", headers=quartier.bob.headers).get_json()
    assert got["reactions"] == {}


def test_no_reactions_on_a_deleted_post(client, api, quartier):
    post = create_post(client, quartier.alice, quartier.id)["id"]
    assert api.delete(f"/posts/{post}", headers=quartier.alice.headers).status_code == 204
    r = api.put(f"/posts/{post}/reactions/like", headers=quartier.bob.headers)
    assert_error(r, 404)
