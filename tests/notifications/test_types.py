"""Typed notifications: one vocabulary in every payload, a sentence in the reader's language,
and rows stored under the old names read as today's."""

from __future__ import annotations

from flask_babel import force_locale

from neighbours.accounts.models import User
from neighbours.database import utcnow
from neighbours.notifications.models import Notification
from neighbours.notifications.types import NotificationType, normalized, text
from tests.support.sockets import received

ACTOR = {"id": 7, "display_name": "Alice", "avatar_url": None}
SAMPLES = {
    NotificationType.COMMENT_ON_POST: {
        "actor": ACTOR, "post_id": 1, "post_title": "Vide-grenier", "comment_id": 2,
    },
    NotificationType.NEW_CONVERSATION: {"actor": ACTOR, "conversation_id": 3, "preview": "Salut"},
    NotificationType.WAITLIST_PROMOTED: {
        "meal_id": 4, "meal_title": "Soupe", "starts_at": "2030-01-01T12:00:00Z", "signup_id": 5,
    },
    NotificationType.MEAL_CANCELLED: {
        "actor": ACTOR, "meal_id": 4, "meal_title": "Soupe",
        "starts_at": "2030-01-01T12:00:00Z", "reason": "Grève",
    },
    NotificationType.MODERATION_DECISION: {
        "action": "hide", "reason": None, "target_type": "comment", "target_id": 2,
        "neighbourhood_id": 1, "neighbourhood_name": "Croix-Rousse",
    },
    NotificationType.MEMBERSHIP_APPROVED: {"neighbourhood_id": 1, "neighbourhood_name": "Q"},
    NotificationType.MEMBERSHIP_DECLINED: {"neighbourhood_id": 1, "neighbourhood_name": "Q"},
    NotificationType.MEAL_REMINDER: {
        "meal_id": 4, "meal_title": "Soupe", "starts_at": "2030-01-01T11:30:00Z",
        "signup_id": 5, "local_time": "12:30",
    },
    NotificationType.KITCHEN_REMINDER: {
        "meal_id": 4, "meal_title": "Soupe", "starts_at": "2030-01-01T11:30:00Z",
        "signup_id": 5, "local_time": "10:30", "kitchen_starts_at": "2030-01-01T09:30:00Z",
    },
    NotificationType.WAITLIST_REMINDER: {
        "meal_id": 4, "meal_title": "Soupe", "starts_at": "2030-01-01T11:30:00Z",
        "signup_id": 5, "local_time": "12:30", "waitlist_position": 2,
    },
    NotificationType.HOST_BRIEF: {
        "meal_id": 4, "meal_title": "Soupe", "starts_at": "2030-01-01T11:30:00Z",
        "local_time": "12:30", "people": 5, "guests": 1,
        "pools": [{
            "key": "table", "label": "Table", "capacity": 10, "people": 5, "guests": 1,
            "signups": 4, "waitlist": 0, "diets": {"vegan": 1}, "allergens": {"nuts": 2},
        }],
    },
    NotificationType.FREE_SEATS_DIGEST: {
        "day": "2030-01-01",
        "meals": [{
            "meal_id": 4, "meal_title": "Soupe", "starts_at": "2030-01-01T19:30:00Z",
            "local_time": "20:30", "canteen_name": "La Cantine", "neighbourhood_id": 1,
            "seats_left": 3,
        }],
    },
}  # fmt: skip


def test_every_type_has_its_own_sentence_in_english_and_french(app) -> None:
    with app.test_request_context():
        english = {t: text(t, p) for t, p in SAMPLES.items()}
        with force_locale("fr"):
            french = {t: text(t, p) for t, p in SAMPLES.items()}

    assert set(SAMPLES) == set(NotificationType)
    assert english[NotificationType.COMMENT_ON_POST] == (
        "Alice commented on your post “Vide-grenier”."
    )
    assert french[NotificationType.COMMENT_ON_POST] == (
        "Alice a commenté votre publication « Vide-grenier »."
    )
    assert french[NotificationType.MODERATION_DECISION] == (
        "Un modérateur a masqué votre commentaire."
    )
    assert len(set(english.values())) == len(english), "one sentence per type"
    for type_ in NotificationType:
        assert french[type_] != english[type_], type_
        assert "%(" not in french[type_] and "You have a new" not in english[type_]


def test_the_list_speaks_the_readers_language(auth, api, db) -> None:
    quartier = auth.neighbourhood(join_policy="approval", name="Croix-Rousse")
    me = auth.member(quartier, status="pending")
    api.post(
        f"/neighbourhoods/{quartier.id}/members/{me.id}/approve",
        headers=quartier.moderator.headers,
    )

    english = api.get("/notifications", headers=me.headers).get_json()["items"]
    french = api.get("/notifications", headers={**me.headers, "Accept-Language": "fr"}).get_json()[
        "items"
    ]

    assert english[0]["text"] == "Your request to join Croix-Rousse was approved."
    assert french[0]["text"] == "Votre demande pour rejoindre Croix-Rousse a été acceptée."


def test_the_live_event_speaks_the_recipients_language(auth, api, db, sockets) -> None:
    quartier = auth.neighbourhood(join_policy="approval", name="Croix-Rousse")
    me = auth.member(quartier, status="pending")
    db.session.get(User, me.id).locale = "fr"
    db.session.commit()
    phone = sockets.connect(me.token)

    r = api.post(  # the moderator asks in English
        f"/neighbourhoods/{quartier.id}/members/{me.id}/decline",
        headers={**quartier.moderator.headers, "Accept-Language": "en"},
    )
    assert r.status_code == 200, r.get_json()

    [event] = received(phone, "notification:created")
    assert event["text"] == "Votre demande pour rejoindre Croix-Rousse a été refusée."


def test_a_comment_names_its_author_as_actor(auth, api) -> None:
    quartier = auth.neighbourhood()
    alice, bob = auth.member(quartier, name="Alice"), auth.member(quartier, name="Bob")
    post = api.post(
        f"/neighbourhoods/{quartier.id}/posts",
        json={"title": "Vide-grenier", "body": "Samedi", "category": "general"},
        headers=alice.headers,
    ).get_json()
    r = api.post(f"/posts/{post['id']}/comments", json={"body": "J'y serai"}, headers=bob.headers)
    assert r.status_code == 201, r.get_json()

    [note] = api.get("/notifications", headers=alice.headers).get_json()["items"]

    assert note["type"] == "comment_on_post"
    assert note["payload"]["actor"] == {"id": bob.id, "display_name": "Bob", "avatar_url": None}
    assert note["payload"]["post_title"] == "Vide-grenier"
    assert note["text"] == "Bob commented on your post “Vide-grenier”."


def test_rows_stored_under_the_old_names_read_as_today(auth, api, db) -> None:
    me, bob = auth.user(), auth.user("Bob")
    old = {"id": bob.id, "display_name": "Bob"}
    db.session.add_all(
        [
            Notification(
                user_id=me.id,
                type="comment_on_post",
                payload={"post_id": 1, "post_title": "T", "comment_id": 2, "author": old},
                created_at=utcnow(),
            ),
            Notification(
                user_id=me.id,
                type="new_conversation",
                payload={"conversation_id": 3, "from": old, "preview": "Hi"},
                created_at=utcnow(),
            ),
        ]
    )
    db.session.commit()

    items = api.get("/notifications", headers=me.headers).get_json()["items"]

    actors = [item["payload"]["actor"] for item in items]
    assert actors == [{**old, "avatar_url": None}] * 2
    assert [item["text"] for item in items] == [
        "Bob started a conversation with you.",
        "Bob commented on your post “T”.",
    ]
    assert normalized("membership_approved", None) == {}
