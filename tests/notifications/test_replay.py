"""A replayed `notification:created` is the notification as the API shows it at the replay:
the log keeps only its id (a rename, a deleted actor, the reader's language are as they are
then), and it is only ever the reader's own."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from neighbours.realtime.models import LoggedEvent
from tests.support.settings import TEST_PASSWORD


def _commented(auth: Any, api: Any) -> tuple[Any, Any]:
    quartier = auth.neighbourhood()
    alice, bob = auth.member(quartier, name="Alice"), auth.member(quartier, name="Bob")
    post = api.post(
        f"/neighbourhoods/{quartier.id}/posts",
        json={"title": "Vide-grenier", "body": "Samedi", "category": "general"},
        headers=alice.headers,
    ).get_json()
    r = api.post(f"/posts/{post['id']}/comments", json={"body": "J'y serai"}, headers=bob.headers)
    assert r.status_code == 201, r.get_json()
    return alice, bob


def _replayed(api: Any, reader: Any) -> list[dict[str, Any]]:
    body = api.get("/events?after=0&limit=200", headers=reader.headers).get_json()
    return [i["payload"] for i in body["items"] if i["name"] == "notification:created"]


def _listed(api: Any, reader: Any) -> list[dict[str, Any]]:
    return api.get("/notifications", headers=reader.headers).get_json()["items"]


def _without_id(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k != "event_id"}


def test_the_log_keeps_the_id_and_the_replay_is_the_notification_now(auth, api, db):
    alice, bob = _commented(auth, api)
    stored = db.session.scalars(
        select(LoggedEvent.payload).where(LoggedEvent.name == "notification:created")
    ).all()
    assert stored and all(set(p) == {"notification_id"} for p in stored), stored

    r = api.patch("/me", json={"display_name": "Robert"}, headers=bob.headers)
    assert r.status_code == 200, r.get_json()
    api.post("/notifications/read", json={"all": True}, headers=alice.headers)

    [note] = _replayed(api, alice)
    assert [_without_id(note)] == _listed(api, alice)
    assert note["payload"]["actor"]["display_name"] == "Robert"
    assert note["text"].startswith("Robert commented")
    assert note["read_at"] is not None
    assert "Bob" not in json.dumps(note)


def test_a_replay_speaks_the_readers_language_now(auth, api):
    alice, _bob = _commented(auth, api)
    assert api.patch("/me", json={"locale": "fr"}, headers=alice.headers).status_code == 200
    [note] = _replayed(api, alice)
    assert note["text"] == "Bob a commenté votre publication « Vide-grenier »."


def test_a_deleted_actor_is_replayed_as_the_api_shows_them(auth, api):
    alice, bob = _commented(auth, api)
    r = api.delete("/me", json={"password": TEST_PASSWORD}, headers=bob.headers)
    assert r.status_code == 204, r.get_json()
    replayed = _replayed(api, alice)
    assert [_without_id(n) for n in replayed] == _listed(api, alice)
    assert "Bob" not in json.dumps(replayed)


def test_nobody_else_replays_it(auth, api):
    alice, bob = _commented(auth, api)
    assert _replayed(api, alice)
    assert _replayed(api, bob) == []


def test_a_rename_reaches_the_logged_posts_and_comments_of_that_person(auth, api):
    alice, bob = _commented(auth, api)
    assert "Bob" in json.dumps(api.get("/events?after=0", headers=alice.headers).get_json())
    r = api.patch(
        "/me",
        json={"display_name": "Robert", "avatar_url": "https://img.example/r.png"},
        headers=bob.headers,
    )
    assert r.status_code == 200, r.get_json()
    items = api.get("/events?after=0", headers=alice.headers).get_json()["items"]
    text = json.dumps(items)
    assert "Bob" not in text
    [comment] = [i["payload"] for i in items if i["name"] == "comment:created"]
    assert comment["author"] == {
        "id": bob.id,
        "display_name": "Robert",
        "avatar_url": "https://img.example/r.png",
    }
    [post] = [i["payload"] for i in items if i["name"] == "post:created"]
    assert post["author"]["display_name"] == "Alice"  # nobody else is touched
