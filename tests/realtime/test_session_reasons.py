"""Sockets that say why: a refused connection's `connect_error` carries `{message, reason}`
(the message in the handshake's Accept-Language), and before the server cuts a socket whose
session ended it sends that socket `session:ended {reason}`."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from neighbours.accounts.models import AccessToken
from neighbours.auth import hash_token
from neighbours.database import utcnow
from neighbours.realtime.catalog import SESSION_END_REASONS, SessionEndedSchema
from neighbours.reasons import REASONS
from tests.support.factories import Auth
from tests.support.settings import TEST_PASSWORD
from tests.support.sockets import app_with_sockets, heard_before_cut

NEW_PASSWORD = "another-long-unguessable-passphrase-77"


def _ended(client: Any) -> list[Any]:
    payloads = heard_before_cut(client, "session:ended")
    for payload in payloads:
        assert SessionEndedSchema().validate(payload) == {}, payload
    return payloads


def _wait(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_session_reasons_are_listed():
    assert set(SESSION_END_REASONS) <= set(REASONS)
    assert {"unauthorized", "too_many_sockets", "expired"} <= set(REASONS)


def test_a_refusal_says_why_in_the_handshakes_language(auth, sockets):
    refused = sockets.connect("not-a-real-token")
    assert not refused.is_connected()
    assert refused.refusal == {
        "message": "No valid session token: sign in again.",
        "reason": "unauthorized",
        "data": {"reason": "unauthorized"},  # where socket.io-client shows it: err.data
    }
    french = sockets.connect(auth=None, headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert not french.is_connected()
    assert french.refusal == {
        "message": "Aucun jeton de session valide : veuillez vous reconnecter.",
        "reason": "unauthorized",
        "data": {"reason": "unauthorized"},  # where socket.io-client shows it: err.data
    }


def test_an_expired_token_is_refused_as_expired(auth, db, sockets):
    me = auth.user()
    db.session.execute(
        update(AccessToken)
        .where(AccessToken.token_hash == hash_token(me.token))
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    refused = sockets.connect(me.token)
    assert not refused.is_connected()
    assert refused.refusal["reason"] == "expired"


def test_a_revoked_token_is_refused_as_unauthorized(auth, api, sockets):
    me = auth.user()
    assert api.post("/auth/logout", headers=me.headers).status_code == 204
    assert sockets.connect(me.token).refusal["reason"] == "unauthorized"


@pytest.fixture
def capped(app: Flask, make_app: Any) -> Iterator[Flask]:
    with app_with_sockets(
        make_app,
        LIMITS_ENABLED=True,
        SOCKETS_PER_USER=1,
        TOKEN_TTL_SECONDS=2,
        SOCKET_SWEEP_SECONDS=0.2,
        SOCKET_REVALIDATE_SECONDS=3600,
    ) as other:
        yield other


def test_one_socket_too_many_is_refused_as_too_many_sockets(capped):
    me = Auth(capped).user()
    assert capped.sockets.connect(me.token).is_connected()
    over = capped.sockets.connect(me.token, headers={"Accept-Language": "fr"})
    assert not over.is_connected()
    assert over.refusal == {
        "message": "Trop de connexions en direct pour ce compte : fermez-en une et réessayez.",
        "reason": "too_many_sockets",
        "data": {"reason": "too_many_sockets"},
    }


def test_logout_tells_the_socket_before_cutting_it(auth, api, sockets):
    me = auth.user()
    phone = sockets.connected(me)
    other_session = sockets.connected(auth.token_for(me))

    assert api.post("/auth/logout", headers=me.headers).status_code == 204

    assert not phone.is_connected()
    assert _ended(phone) == [{"reason": "logged_out"}]
    assert other_session.is_connected() and _ended(other_session) == []


def test_a_revoked_session_and_a_password_change_say_revoked(auth, api, sockets):
    me = auth.user()
    second, third = auth.token_for(me), auth.token_for(me)
    keep = sockets.connected(me)
    revoked, by_password = sockets.connected(second), sockets.connected(third)
    items = api.get("/me/sessions", headers=me.headers).get_json()["items"]
    second_id = min(s["id"] for s in items if not s["current"])
    assert api.delete(f"/me/sessions/{second_id}", headers=me.headers).status_code == 204
    assert not revoked.is_connected()
    assert _ended(revoked) == [{"reason": "revoked"}]

    r = api.post(
        "/me/password",
        json={"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD},
        headers=me.headers,
    )
    assert r.status_code == 204, r.get_json()
    assert not by_password.is_connected()
    assert _ended(by_password) == [{"reason": "revoked"}]
    assert keep.is_connected(), "the session that changed the password stays"


def test_account_deletion_says_deleted(auth, api, sockets):
    me = auth.user()
    phone, laptop = sockets.connected(me), sockets.connected(auth.token_for(me))
    r = api.delete("/me", json={"password": TEST_PASSWORD}, headers=me.headers)
    assert r.status_code == 204, r.get_json()
    assert _ended(phone) == [{"reason": "deleted"}]
    assert _ended(laptop) == [{"reason": "deleted"}]


def test_the_sweeper_says_expired(capped):
    me = Auth(capped).user()  # TOKEN_TTL_SECONDS=2
    socket = capped.sockets.connect(me.token)
    assert socket.is_connected()
    assert _wait(lambda: not socket.is_connected(), 4)
    assert _ended(socket) == [{"reason": "expired"}]
