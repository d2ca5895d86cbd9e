"""Privacy rights: sessions, password change, the full export and its hourly limit."""

from __future__ import annotations

from neighbours.accounts.models import AccessToken
from neighbours.extensions import db
from tests.support.errors import assert_error
from tests.support.settings import TEST_PASSWORD

NEW_PASSWORD = "another-long-unguessable-passphrase-77"


def test_sessions_list_marks_the_current_one_and_never_shows_tokens(api, auth):
    ana = auth.user()
    other = auth.token_for(ana)

    r = api.get("/me/sessions", headers=ana.headers)

    assert r.status_code == 200
    items = r.get_json()["items"]
    assert len(items) == 2
    assert [s["current"] for s in items] == [False, True]
    assert all(
        set(s) == {"id", "created_at", "expires_at", "user_agent", "ip", "current"} for s in items
    )
    assert ana.token not in r.get_data(as_text=True) and other not in r.get_data(as_text=True)


def test_revoking_one_session_stops_only_that_token(api, auth):
    ana = auth.user()
    other = auth.token_for(ana)
    items = api.get("/me/sessions", headers=ana.headers).get_json()["items"]
    other_id = next(s["id"] for s in items if not s["current"])

    assert api.delete(f"/me/sessions/{other_id}", headers=ana.headers).status_code == 204

    assert_error(api.get("/me", headers={"Authorization": f"Bearer {other}"}), 401)
    assert api.get("/me", headers=ana.headers).status_code == 200
    assert_error(api.delete(f"/me/sessions/{other_id}", headers=ana.headers), 404)


def test_someone_elses_session_is_not_found(api, auth):
    ana, ben = auth.user(), auth.user()
    ben_session = api.get("/me/sessions", headers=ben.headers).get_json()["items"][0]
    assert_error(api.delete(f"/me/sessions/{ben_session['id']}", headers=ana.headers), 404)
    assert api.get("/me", headers=ben.headers).status_code == 200


def test_log_out_everywhere_else(api, auth):
    ana = auth.user()
    others = [auth.token_for(ana) for _ in range(3)]

    r = api.delete("/me/sessions", headers=ana.headers)

    assert r.status_code == 200 and r.get_json() == {"revoked": 3}
    for token in others:
        assert_error(api.get("/me", headers={"Authorization": f"Bearer {token}"}), 401)
    assert api.get("/me", headers=ana.headers).status_code == 200


def test_password_change_revokes_the_other_sessions(api, auth):
    ana = auth.user(email="ana.pw@example.org")
    other = auth.token_for(ana)

    r = api.post(
        "/me/password",
        json={"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD},
        headers=ana.headers,
    )

    assert r.status_code == 204
    assert_error(api.get("/me", headers={"Authorization": f"Bearer {other}"}), 401)
    assert api.get("/me", headers=ana.headers).status_code == 200
    login = api.post("/auth/login", json={"email": "ana.pw@example.org", "password": NEW_PASSWORD})
    assert login.status_code == 200
    old = api.post("/auth/login", json={"email": "ana.pw@example.org", "password": TEST_PASSWORD})
    assert_error(old, 401)


def test_password_change_checks_the_current_password_and_the_new_one(api, auth):
    ana = auth.user()
    r = api.post(
        "/me/password",
        json={"current_password": "wrong-wrong-wrong", "new_password": NEW_PASSWORD},
        headers=ana.headers,
    )
    assert_error(r, 422, "current_password")
    r = api.post(
        "/me/password",
        json={"current_password": TEST_PASSWORD, "new_password": "password1234"},
        headers=ana.headers,
    )
    assert_error(r, 422, "new_password")
    r = api.post("/me/password", json={}, headers=ana.headers)
    assert_error(r, 422, "current_password")
    assert_error(api.post("/me/password", json={}), 401)
    assert_error(api.get("/me/sessions"), 401)
    assert_error(api.delete("/me/sessions"), 401)
    assert_error(api.delete("/me/sessions/1"), 401)


def test_export_holds_what_i_wrote_everywhere(api, auth):
    nh = auth.neighbourhood()
    ana, ben = auth.member(nh), auth.member(nh)
    post = api.post(
        f"/neighbourhoods/{nh.id}/posts",
        json={"category": "offer", "title": "Confiture", "body": "Trois pots de coings"},
        headers=ana.headers,
    ).get_json()
    api.post(f"/posts/{post['id']}/comments", json={"body": "Merci"}, headers=ana.headers)
    api.put(f"/posts/{post['id']}/reactions/thanks", headers=ana.headers)
    conversation = api.post(
        "/conversations", json={"participant_ids": [ben.id]}, headers=ana.headers
    ).get_json()
    api.post(
        f"/conversations/{conversation['id']}/messages",
        json={"body": "Tu veux de la confiture ?"},
        headers=ana.headers,
    )
    ben_post = api.post(
        f"/neighbourhoods/{nh.id}/posts",
        json={"category": "general", "title": "Bruit", "body": "Qui fait la fête ?"},
        headers=ben.headers,
    ).get_json()
    api.post(
        "/reports",
        json={"target_type": "post", "target_id": ben_post["id"], "reason": "other"},
        headers=ana.headers,
    )

    r = api.get("/me/export", headers=ana.headers)

    assert r.status_code == 200
    body = r.get_json()
    assert body["profile"]["id"] == ana.id
    assert [p["title"] for p in body["posts"]] == ["Confiture"]
    assert [c["body"] for c in body["comments"]] == ["Merci"]
    assert body["reactions"][0]["kind"] == "thanks"
    assert [m["body"] for m in body["messages"]] == ["Tu veux de la confiture ?"]
    assert body["conversations"][0]["conversation_id"] == conversation["id"]
    assert body["reports"][0]["target_id"] == ben_post["id"]
    assert body["notifications"] == []  # ben's comment notification went to... nobody: own post
    assert len(body["sessions"]) == 1 and "token" not in body["sessions"][0]
    assert body["signups"] == []
    assert "Qui fait la fête ?" not in r.get_data(as_text=True)  # not what others wrote


def test_export_at_most_once_an_hour(make_app, auth):
    app = make_app(LIMITS_ENABLED=True)
    with app.app_context():
        user = auth.user()
        client = app.test_client()
        assert client.get("/api/v1/me/export", headers=user.headers).status_code == 200
        r = client.get("/api/v1/me/export", headers=user.headers)
        assert_error(r, 429)
        assert int(r.headers["Retry-After"]) > 0
        other = auth.user()
        assert client.get("/api/v1/me/export", headers=other.headers).status_code == 200


def test_tokens_are_stored_hashed_for_new_sessions_too(client, auth):
    ana = auth.user()
    token = auth.token_for(ana)
    hashes = set(db.session.execute(db.select(AccessToken.token_hash)).scalars())
    assert token not in hashes and ana.token not in hashes
