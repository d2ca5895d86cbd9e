"""Suspensions: the issue's scenario end to end, and every write path a suspension stops."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.moderation.models import Suspension
from tests.feed.api import create_comment, create_post
from tests.moderation.api import decided, feed_ids, log, notifications, queue, reported
from tests.support.api import PREFIX as API
from tests.support.api import v1
from tests.support.errors import assert_error


def _end_suspensions(user_id: int) -> None:
    db.session.query(Suspension).filter_by(user_id=user_id).update(
        {Suspension.ends_at: utcnow() - timedelta(seconds=1)}
    )
    db.session.commit()


def _probe(socket: Any, client: Any, poster: Any, neighbourhood_id: int) -> list[int]:
    """Post in a neighbourhood; the ids of the posts this socket heard about."""
    socket.get_received()
    post = create_post(client, poster, neighbourhood_id, title="Probe")
    heard = [e["args"][0]["id"] for e in socket.get_received() if e["name"] == "post:created"]
    return [i for i in heard if i == post["id"]]


def _watch(socket: Any, meal_id: int) -> dict:
    return socket.emit("meal:watch", {"meal_id": meal_id}, callback=True)


def _writes(client: Any, actor: Any, nh: Any, post_id: int, meal_id: int, peer: Any) -> list:
    """Every way of writing in the neighbourhood, as (name, response)."""
    h = actor.headers
    started = client.post(v1("/conversations"), json={"participant_ids": [peer.id]}, headers=h)
    return [
        (
            "post",
            client.post(
                v1(f"/neighbourhoods/{nh}/posts"),
                json={"category": "general", "title": "Back", "body": "Hello"},
                headers=h,
            ),
        ),
        (
            "comment",
            client.post(v1(f"/posts/{post_id}/comments"), json={"body": "Hi"}, headers=h),
        ),
        ("reaction", client.put(v1(f"/posts/{post_id}/reactions/like"), headers=h)),
        (
            "signup",
            client.post(
                v1(f"/meals/{meal_id}/signups"),
                json={"pool": "table", "party_size": 1},
                headers=h,
            ),
        ),
        ("conversation", started),
    ]


def test_done_when_reports_hide_a_spam_post_a_moderator_removes_it_and_suspends_its_author(
    client, api, quartier, kitchen, sockets, auth
):
    moderator, spammer = quartier.moderator, quartier.alice
    # Alice also lives in another neighbourhood, where nothing changes for her.
    elsewhere = quartier.other
    auth.member(elsewhere, spammer)
    meal_here = kitchen.meal(kitchen.canteen(quartier.neighbourhood))
    meal_there = kitchen.meal(kitchen.canteen(elsewhere))
    neighbours_post = create_post(client, quartier.bob, quartier.id, title="Lost cat")
    conversation = api.post(
        "/conversations", json={"participant_ids": [quartier.bob.id]}, headers=spammer.headers
    ).get_json()
    spammers_socket = sockets.connected(spammer)
    moderators_socket = sockets.connected(moderator)

    # 1. Alice posts spam; three neighbours report it and it is hidden at once.
    spam = create_post(client, spammer, quartier.id, title="Cheap watches", body="Buy now")
    item_id = None
    for reporter in quartier.reporters:
        item_id = reported(client, reporter, "post", spam["id"], reason="spam")["item_id"]
    assert spam["id"] not in feed_ids(client, quartier.bob, quartier.id)
    assert spam["id"] in feed_ids(client, moderator, quartier.id)
    [item] = queue(client, moderator, quartier.id)["items"]
    assert (item["id"], item["target_status"], item["reporter_count"], item["score"]) == (
        item_id,
        "hidden",
        3,
        3,
    )
    assert [e["args"][0]["id"] for e in moderators_socket.get_received()
            if e["name"] == "moderation:item"] == [item_id]  # fmt: skip

    # 2. From the queue, the moderator removes it and suspends Alice for 7 days.
    decided(client, moderator, item_id, "remove", reason="Spam")
    decided(client, moderator, item_id, "suspend", reason="Repeated spam", suspend_days=7)
    statuses = {
        p["id"]: p["status"]
        for p in api.get(
            f"/neighbourhoods/{quartier.id}/posts", headers=moderator.headers
        ).get_json()["items"]
    }
    assert statuses[spam["id"]] == "removed"
    assert sorted(
        n["payload"]["action"] for n in notifications(client, spammer, "moderation_decision")
    ) == ["remove", "suspend"]

    # 3. Every write path in that neighbourhood is 403 ...
    writes = _writes(
        client, spammer, quartier.id, neighbours_post["id"], meal_here.id, quartier.carol
    )
    writes.append(
        (
            "message",
            api.post(
                f"/conversations/{conversation['id']}/messages",
                json={"body": "Still here"},
                headers=spammer.headers,
            ),
        )
    )
    assert [(name, r.status_code) for name, r in writes] == [
        ("post", 403),
        ("comment", 403),
        ("reaction", 403),
        ("signup", 403),
        ("conversation", 403),
        ("message", 403),
    ]
    for _, r in writes:
        assert_error(r, 403)
    r = api.patch(f"/posts/{spam['id']}", json={"title": "x"}, headers=spammer.headers)
    assert_error(r, 403)

    # ... while reading still works.
    h = spammer.headers
    assert neighbours_post["id"] in feed_ids(client, spammer, quartier.id)
    assert api.get(f"/posts/{neighbours_post['id']}", headers=h).status_code == 200
    assert api.get(f"/posts/{neighbours_post['id']}/comments", headers=h).status_code == 200
    assert api.get(f"/meals/{meal_here.id}", headers=h).status_code == 200
    assert api.get(f"/neighbourhoods/{quartier.id}/meals", headers=h).status_code == 200
    r = api.get(f"/conversations/{conversation['id']}/messages", headers=h)
    assert r.status_code == 200

    # ... and writing elsewhere is untouched.
    create_post(client, spammer, elsewhere.id, title="Hello Confluence")
    r = api.post(
        f"/meals/{meal_there.id}/signups", json={"pool": "table", "party_size": 1}, headers=h
    )
    assert r.status_code == 201, r.get_json()

    # 4. Her live socket left the neighbourhood's rooms but not the other's.
    assert _probe(spammers_socket, client, quartier.bob, quartier.id) == []
    assert len(_probe(spammers_socket, client, quartier.outsider, elsewhere.id)) == 1
    refused = _watch(spammers_socket, meal_here.id)
    assert refused["ok"] is False, refused
    assert _watch(spammers_socket, meal_there.id)["ok"] is True

    # 5. When the suspension ends she writes again.
    _end_suspensions(spammer.id)
    writes = _writes(
        client, spammer, quartier.id, neighbours_post["id"], meal_here.id, quartier.carol
    )
    assert [(name, r.status_code) for name, r in writes] == [
        ("post", 201),
        ("comment", 201),
        ("reaction", 200),
        ("signup", 201),
        ("conversation", 201),
    ]
    r = api.post(
        f"/conversations/{conversation['id']}/messages",
        json={"body": "Sorry"},
        headers=h,
    )
    assert r.status_code == 201
    # A new connection is back in the neighbourhood's room.
    fresh = sockets.connected(spammer)
    assert len(_probe(fresh, client, quartier.bob, quartier.id)) == 1
    assert _watch(fresh, meal_here.id)["ok"] is True

    # 6. Every step is in the log, newest first.
    entries = log(client, moderator, quartier.id)
    assert [(e["action"], e["target"], e["reason"]) for e in entries] == [
        ("suspend", {"type": "post", "id": spam["id"]}, "Repeated spam"),
        ("remove", {"type": "post", "id": spam["id"]}, "Spam"),
    ]
    assert all(set(e["actor"]) == {"id", "display_name", "avatar_url"} for e in entries)
    assert all(e["actor"]["id"] == moderator.id for e in entries)
    assert entries[0]["details"]["suspend_days"] == 7
    assert entries[0]["details"]["item_id"] == item_id


def _suspend(client: Any, quartier: Any, days: int = 3) -> int:
    item_id = reported(client, quartier.bob, "user", quartier.alice.id)["item_id"]
    decided(client, quartier.moderator, item_id, "suspend", suspend_days=days)
    return item_id


def test_a_suspended_member_can_not_edit_comment_or_message_in_a_group(client, api, quartier):
    post = create_post(client, quartier.alice, quartier.id)
    comment = create_comment(client, quartier.alice, post["id"])
    r = api.post(
        "/conversations",
        json={"participant_ids": [quartier.alice.id, quartier.carol.id], "title": "Courtyard"},
        headers=quartier.bob.headers,
    )
    group = r.get_json()["id"]
    _suspend(client, quartier)
    h = quartier.alice.headers

    assert_error(api.patch(f"/comments/{comment['id']}", json={"body": "x"}, headers=h), 403)
    assert_error(api.patch(f"/posts/{post['id']}", json={"body": "x"}, headers=h), 403)
    assert_error(api.delete(f"/posts/{post['id']}/reactions/like", headers=h), 403)
    r = api.post(f"/conversations/{group}/messages", json={"body": "x"}, headers=h)
    assert_error(r, 403)
    # Others carry on in the same conversation and under the same post.
    r = api.post(
        f"/conversations/{group}/messages", json={"body": "ok"}, headers=quartier.bob.headers
    )
    assert r.status_code == 201
    create_comment(client, quartier.bob, post["id"])


def test_a_suspension_only_binds_the_neighbourhood_it_was_given_in(client, api, quartier, auth):
    auth.member(quartier.other, quartier.alice)
    _suspend(client, quartier)

    assert_error(
        api.post(
            f"/neighbourhoods/{quartier.id}/posts",
            json={"category": "general", "title": "t", "body": "b"},
            headers=quartier.alice.headers,
        ),
        403,
    )
    create_post(client, quartier.alice, quartier.other.id)
    # A conversation with someone she only shares the other neighbourhood with is fine.
    r = api.post(
        "/conversations",
        json={"participant_ids": [quartier.outsider.id]},
        headers=quartier.alice.headers,
    )
    assert r.status_code == 201, r.get_json()


def test_an_ended_or_lifted_suspension_no_longer_binds(client, quartier, db):
    _suspend(client, quartier)
    url = f"{API}/neighbourhoods/{quartier.id}/posts"
    body = {"category": "general", "title": "t", "body": "b"}
    assert_error(client.post(url, json=body, headers=quartier.alice.headers), 403)

    suspension = db.session.query(Suspension).one()
    suspension.lifted_at = utcnow()
    db.session.commit()
    assert client.post(url, json=body, headers=quartier.alice.headers).status_code == 201

    suspension.lifted_at = None
    db.session.commit()
    assert_error(client.post(url, json=body, headers=quartier.alice.headers), 403)
    _end_suspensions(quartier.alice.id)
    assert client.post(url, json=body, headers=quartier.alice.headers).status_code == 201


def test_every_socket_of_the_suspended_member_leaves_the_rooms(client, quartier, sockets, auth):
    phone = sockets.connected(quartier.alice)
    second = type(quartier.alice)(
        quartier.alice.id, quartier.alice.email, auth.token_for(quartier.alice)
    )
    laptop = sockets.connected(second)
    bobs = sockets.connected(quartier.bob)

    _suspend(client, quartier)

    assert _probe(phone, client, quartier.carol, quartier.id) == []
    assert _probe(laptop, client, quartier.carol, quartier.id) == []
    assert len(_probe(bobs, client, quartier.carol, quartier.id)) == 1


def test_a_suspended_member_socket_still_gets_her_own_notifications(client, quartier, sockets):
    phone = sockets.connected(quartier.alice)

    _suspend(client, quartier)

    notes = [e["args"][0] for e in phone.get_received() if e["name"] == "notification:created"]
    assert [n["payload"]["action"] for n in notes] == ["suspend"]
