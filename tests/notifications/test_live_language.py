"""A live notification's `text` speaks the recipient's language: their setting, else the
language their client last asked for (sign-in, registration, a socket's connect), else the
server's default."""

from __future__ import annotations

from typing import Any

from neighbours.accounts.models import User
from neighbours.extensions import db
from neighbours.notifications.services import notify
from tests.support.settings import TEST_PASSWORD
from tests.support.sockets import received

FR = {"Accept-Language": "fr-FR,fr;q=0.9"}
APPROVED = {"neighbourhood_id": 1, "neighbourhood_name": "la Croix-Rousse"}
IN_FRENCH = "Votre demande pour rejoindre la Croix-Rousse a été acceptée."
IN_ENGLISH = "Your request to join la Croix-Rousse was approved."


def _live_text(sockets: Any, token: str) -> str:
    phone = sockets.connected(token)  # a connect that names no language
    notify(_user_of(token), "membership_approved", APPROVED)
    db.session.commit()
    [event] = received(phone, "notification:created")
    return event["text"]


def _user_of(token: str) -> int:
    from neighbours.auth import resolve_token

    row = resolve_token(token)
    assert row is not None
    return row.user_id


def _last_language(user_id: int) -> str | None:
    db.session.expire_all()
    return db.session.get(User, user_id).last_language


def test_a_user_who_signed_in_in_french_gets_french_live_text(api, auth, sockets):
    me = auth.user()

    r = api.post("/auth/login", json={"email": me.email, "password": TEST_PASSWORD}, headers=FR)
    assert r.status_code == 200, r.get_json()

    assert _last_language(me.id) == "fr"
    assert _live_text(sockets, r.get_json()["access_token"]) == IN_FRENCH
    rest = api.get("/notifications", as_=me, headers=FR).get_json()["items"][0]["text"]
    assert rest == IN_FRENCH, "the live text and the REST text agree"


def test_registering_in_french_is_remembered(api):
    r = api.post(
        "/auth/register",
        json={"email": "lea@example.org", "password": TEST_PASSWORD, "display_name": "Léa"},
        headers=FR,
    )
    assert r.status_code == 201, r.get_json()
    assert _last_language(r.get_json()["id"]) == "fr"


def test_a_socket_connecting_in_french_is_remembered(auth, sockets):
    me = auth.user()
    phone = sockets.connect(me.token, headers=FR)
    assert phone.is_connected()
    assert _last_language(me.id) == "fr"

    notify(me.id, "membership_approved", APPROVED)
    db.session.commit()

    assert [e["text"] for e in received(phone, "notification:created")] == [IN_FRENCH]


def test_the_users_own_setting_beats_the_last_language(auth, sockets):
    me = auth.user(locale="en", last_language="fr")
    assert _live_text(sockets, me.token) == IN_ENGLISH


def test_without_setting_nor_language_the_default_is_used(auth, sockets):
    me = auth.user()
    assert _live_text(sockets, me.token) == IN_ENGLISH


def test_the_language_is_written_only_when_it_changes(api, auth, count_queries):
    me = auth.user(last_language="fr")
    login = {"email": me.email, "password": TEST_PASSWORD}

    with count_queries() as statements:
        assert api.post("/auth/login", json=login, headers=FR).status_code == 200
    assert not [s for s in statements if s.startswith("UPDATE users")], statements

    english = {"Accept-Language": "en"}
    assert api.post("/auth/login", json=login, headers=english).status_code == 200
    assert _last_language(me.id) == "en"
    assert api.post("/auth/login", json=login).status_code == 200  # no header: kept
    assert _last_language(me.id) == "en"


def test_deleting_the_account_forgets_the_language(api, auth):
    me = auth.user(last_language="fr")
    assert api.delete("/me", json={"password": TEST_PASSWORD}, as_=me).status_code == 204
    assert _last_language(me.id) is None
