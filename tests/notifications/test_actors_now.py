"""A notification shows the other person (`payload.actor`) as they are now, never a copy."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.notifications.models import Notification
from tests.support.settings import TEST_PASSWORD

AVATAR = "https://example.org/robert.png"


def _comment(api: Any, auth: Any, *, on_post_of: Any = None, by: Any = None) -> tuple:
    """Alice's post, commented on by Bob: Alice gets a `comment_on_post` naming Bob."""
    quartier = auth.neighbourhood()
    alice = auth.member(quartier, on_post_of or auth.user("Alice"))
    bob = auth.member(quartier, by or auth.user("Bob"))
    post = api.post(
        f"/neighbourhoods/{quartier.id}/posts",
        json={"title": "Vide-grenier", "body": "Samedi", "category": "general"},
        headers=alice.headers,
    ).get_json()
    r = api.post(f"/posts/{post['id']}/comments", json={"body": "J'y serai"}, headers=bob.headers)
    assert r.status_code == 201, r.get_json()
    return alice, bob


def _actors(api: Any, who: Any) -> list[dict[str, Any]]:
    return [n["payload"]["actor"] for n in api.get("/notifications", as_=who).get_json()["items"]]


def test_a_renamed_actor_shows_their_new_name_and_avatar(api, auth):
    alice, bob = _comment(api, auth)

    r = api.patch("/me", as_=bob, json={"display_name": "Robert", "avatar_url": AVATAR})
    assert r.status_code == 200, r.get_json()

    [note] = api.get("/notifications", as_=alice).get_json()["items"]
    robert = {"id": bob.id, "display_name": "Robert", "avatar_url": AVATAR}
    assert note["payload"]["actor"] == robert
    assert note["text"] == "Robert commented on your post “Vide-grenier”."
    [exported] = api.get("/me/export", as_=alice).get_json()["notifications"]
    assert exported["payload"]["actor"] == note["payload"]["actor"]


def test_a_deleted_actor_reads_as_a_former_neighbour_everywhere(api, auth):
    alice, bob = _comment(api, auth)

    assert api.delete("/me", json={"password": TEST_PASSWORD}, as_=bob).status_code == 204

    gone = {"id": bob.id, "display_name": "A former neighbour", "avatar_url": None}
    assert _actors(api, alice) == [gone]
    [exported] = api.get("/me/export", as_=alice).get_json()["notifications"]
    assert exported["payload"]["actor"] == gone


def test_the_stored_payload_keeps_only_the_actors_id(api, auth):
    alice, bob = _comment(api, auth)

    [payload] = db.session.execute(
        select(Notification.payload).where(Notification.user_id == alice.id)
    ).scalars()
    assert payload["actor"] == {"id": bob.id}
    assert "Bob" not in str(payload)


def test_deletion_scrubs_the_copies_older_rows_kept(api, auth):
    alice, bob, carol = auth.user("Alice"), auth.user("Bob"), auth.user("Carol")
    old_rows = [
        ("comment_on_post", {"post_id": 1, "post_title": "T", "comment_id": 2, "author": "bob"}),
        ("new_conversation", {"conversation_id": 3, "from": "bob", "preview": "Hi"}),
        ("new_conversation", {"conversation_id": 4, "actor": "bob", "preview": "Yo"}),
        ("new_conversation", {"conversation_id": 5, "actor": "carol", "preview": "Hey"}),
    ]
    people = {
        "bob": {"id": bob.id, "display_name": "Bob", "avatar_url": AVATAR},
        "carol": {"id": carol.id, "display_name": "Carol", "avatar_url": None},
    }
    for type_, payload in old_rows:
        payload = {k: people.get(v, v) if isinstance(v, str) else v for k, v in payload.items()}
        db.session.add(
            Notification(user_id=alice.id, type=type_, payload=payload, created_at=utcnow())
        )
    db.session.commit()

    assert api.delete("/me", json={"password": TEST_PASSWORD}, as_=bob).status_code == 204

    db.session.expire_all()
    stored = db.session.execute(
        select(Notification.payload).where(Notification.user_id == alice.id).order_by("id")
    ).scalars()
    assert [p.get("author") or p.get("from") or p.get("actor") for p in stored] == [
        {"id": bob.id},
        {"id": bob.id},
        {"id": bob.id},
        people["carol"],  # someone else's copy: not this deletion's business
    ]


def test_a_page_of_notifications_finds_its_actors_in_one_query(api, auth, count_queries):
    alice = auth.user("Alice")

    def users_read(commenters: int) -> int:
        for _ in range(commenters):
            _comment(api, auth, on_post_of=alice, by=auth.user())
        with count_queries() as statements:
            r = api.get("/notifications?limit=50", as_=alice)
        assert r.status_code == 200
        assert len(r.get_json()["items"]) >= commenters
        return sum(1 for s in statements if "FROM users" in s)

    few, many = users_read(2), users_read(6)
    assert few == many, "one query for the page's actors, however many there are"
    assert many <= 2  # the caller (with their token), and the page's actors
