"""Registration, login, logout, tokens and login throttling."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import text

from tests.support.api import v1
from tests.support.errors import assert_error
from tests.support.settings import STRONG_PASSWORD, TEST_PASSWORD

# --- register ---------------------------------------------------------------------------


def test_register_returns_the_private_view(register, db):
    r = register(email="  Ana@Example.ORG ", display_name="  Ana  ")
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["email"] == "ana@example.org"
    assert body["display_name"] == "Ana"
    assert body["dietary"] == {"diets": [], "allergens": []}
    assert body["languages"] == []
    assert body["memberships"] == []
    assert body["bio"] is None and body["avatar_url"] is None
    assert isinstance(body["id"], int)
    assert body["created_at"].endswith("Z")
    assert "password" not in body and "password_hash" not in body
    stored = db.session.execute(
        text("SELECT password_hash FROM users WHERE id = :id"), {"id": body["id"]}
    ).scalar_one()
    assert stored.startswith("$argon2id$")
    assert STRONG_PASSWORD not in stored


def test_register_then_login_with_any_case(register, login):
    assert register(email="Ana@Example.org").status_code == 201
    r = login("ANA@example.ORG", STRONG_PASSWORD)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["user"]["email"] == "ana@example.org"


@pytest.mark.parametrize("second", ["ana@example.org", "ANA@EXAMPLE.ORG", " Ana@example.org"])
def test_register_duplicate_email_is_409_whatever_the_case(register, db, second):
    assert register(email="Ana@example.org").status_code == 201
    r = register(email=second, display_name="Other Ana")
    body = assert_error(r, 409)
    assert "email" in body["message"].lower()
    assert db.session.execute(text("SELECT count(*) FROM users")).scalar_one() == 1


@pytest.mark.parametrize("password", ["short-pw-11", "x" * 11, ""])
def test_register_short_password_is_422_naming_password(register, password):
    assert_error(register(password=password), 422, "password")


@pytest.mark.parametrize(
    "password", ["password1234", "passwordpassword", "qwertyuiop123", "ana@example.org1"]
)
def test_register_common_or_guessable_password_is_422_naming_password(register, db, password):
    body = assert_error(register(password=password), 422, "password")
    assert body["errors"]["json"]["password"][0]  # zxcvbn's advice
    assert db.session.execute(text("SELECT count(*) FROM users")).scalar_one() == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": None}, "email"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": "   "}, "display_name"),
        ({"display_name": "x" * 61}, "display_name"),
        ({"password": 1234567890123}, "password"),
    ],
)
def test_register_bad_input_is_422_naming_the_field(register, fields, field):
    assert_error(register(**fields), 422, field)


def test_register_missing_fields_are_each_named(api):
    body = assert_error(api.post("/auth/register", json={}), 422)
    assert set(body["errors"]["json"]) == {"email", "password", "display_name"}


def test_register_non_json_body_is_400(api):
    r = api.post(
        "/auth/register",
        data="email=ana@example.org&password=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert_error(r, 400)
    r = api.post("/auth/register", data="{not json", content_type="application/json")
    assert_error(r, 400)


# --- login --------------------------------------------------------------------------------


def test_login_returns_a_bearer_token_that_works(auth, login, api):
    ana = auth.user("Ana")
    r = login(ana.email)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_at"].endswith("Z")
    assert body["user"]["id"] == ana.id
    assert body["user"]["email"] == ana.email
    me = api.get("/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.get_json()["id"] == ana.id


def test_login_token_expiry_follows_the_configured_lifetime(make_app, auth):
    from datetime import UTC, datetime

    ana = auth.user()
    app = make_app(TOKEN_TTL_SECONDS=3600)
    r = app.test_client().post(
        "/api/v1/auth/login", json={"email": ana.email, "password": TEST_PASSWORD}
    )
    expires = datetime.fromisoformat(r.get_json()["expires_at"].replace("Z", "+00:00"))
    left = (expires - datetime.now(UTC)).total_seconds()
    assert 3500 < left <= 3600


def test_unknown_email_and_wrong_password_get_the_same_401(auth, login):
    ana = auth.user()
    wrong_password = login(ana.email, "not-the-password-at-all")
    unknown_email = login("nobody@example.org", "not-the-password-at-all")
    assert_error(wrong_password, 401)
    assert_error(unknown_email, 401)
    assert wrong_password.get_json() == unknown_email.get_json()
    assert "token" not in wrong_password.get_data(as_text=True).lower().replace("bearer", "")


def test_login_bad_input_is_422_naming_the_field(login, api):
    assert_error(api.post("/auth/login", json={"password": "x"}), 422, "email")
    assert_error(api.post("/auth/login", json={"email": "a@b.c"}), 422, "password")
    assert_error(login("a@b.c", ""), 422, "password")
    r = api.post("/auth/login", data="email=a", content_type="text/plain")
    assert_error(r, 400)


def test_a_deleted_account_cannot_log_in(auth, login, api):
    ana = auth.user()
    r = api.delete("/me", json={"password": TEST_PASSWORD}, headers=ana.headers)
    assert r.status_code == 204
    assert_error(login(ana.email), 401)


# --- tokens -------------------------------------------------------------------------------


def test_tokens_are_stored_only_as_hashes(auth, login, db):
    ana = auth.user()
    token = login(ana.email).get_json()["access_token"]
    rows = db.session.execute(text("SELECT * FROM access_tokens")).mappings().all()
    assert len(rows) == 2  # the factory's and the login's
    for row in rows:
        for value in row.values():
            assert token not in str(value)
            assert ana.token not in str(value)
    hashes = {row["token_hash"] for row in rows}
    assert hashlib.sha256(token.encode()).hexdigest() in hashes


def test_an_expired_token_is_401(auth, api, spoil_token):
    ana = auth.user()
    assert api.get("/me", headers=ana.headers).status_code == 200
    spoil_token(ana.token, expire=True)
    r = api.get("/me", headers=ana.headers)
    assert_error(r, 401)
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_401(auth, api, spoil_token):
    ana = auth.user()
    spoil_token(ana.token, revoke=True)
    assert_error(api.get("/me", headers=ana.headers), 401)


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Token abc", ""],
)
def test_malformed_or_unknown_tokens_are_401(api, auth, header):
    auth.user()
    assert_error(api.get("/me", headers={"Authorization": header}), 401)


def test_a_token_in_lower_case_scheme_works(auth, api):
    ana = auth.user()
    r = api.get("/me", headers={"Authorization": f"bearer {ana.token}"})
    assert r.status_code == 200


# --- logout -------------------------------------------------------------------------------


def test_logout_stops_the_token_at_once_and_only_that_token(auth, api, db):
    ana = auth.user()
    other_session = auth.token_for(ana)
    r = api.post("/auth/logout", headers=ana.headers)
    assert r.status_code == 204
    assert r.get_data() == b""
    assert_error(api.get("/me", headers=ana.headers), 401)
    assert_error(api.post("/auth/logout", headers=ana.headers), 401)
    r = api.get("/me", headers={"Authorization": f"Bearer {other_session}"})
    assert r.status_code == 200
    revoked = db.session.execute(
        text("SELECT count(*) FROM access_tokens WHERE revoked_at IS NOT NULL")
    ).scalar_one()
    assert revoked == 1


# --- throttling ---------------------------------------------------------------------------


def _limited_client(make_app, **limits):
    app = make_app(LIMITS_ENABLED=True, **limits)
    return app.test_client()


def _login(client, email, password, ip="10.0.0.1"):
    return client.post(
        v1("/auth/login"),
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": ip},
    )


def test_login_is_throttled_per_account(make_app, auth, cheap_argon2):
    ana = cheap_argon2(auth.user())
    bob = cheap_argon2(auth.user())
    client = _limited_client(
        make_app, RATELIMIT_LOGIN_ACCOUNT="3 per minute", RATELIMIT_LOGIN_IP="100 per minute"
    )
    for i in range(3):  # from different addresses: the account is what counts
        assert _login(client, ana.email, "wrong-password", ip=f"10.0.0.{i}").status_code == 401
    r = _login(client, ana.email.upper(), "wrong-password", ip="10.0.0.9")
    body = assert_error(r, 429)
    assert int(r.headers["Retry-After"]) >= 1
    assert "too many" in body["message"].lower()
    # Throttled even with the right password, until the window passes.
    assert_error(_login(client, ana.email, TEST_PASSWORD, ip="10.0.0.10"), 429)
    # Another account is not affected.
    assert _login(client, bob.email, TEST_PASSWORD, ip="10.0.0.9").status_code == 200


def test_login_is_throttled_per_ip(make_app, auth, cheap_argon2):
    ana = cheap_argon2(auth.user())
    client = _limited_client(
        make_app, RATELIMIT_LOGIN_ACCOUNT="100 per minute", RATELIMIT_LOGIN_IP="3 per minute"
    )
    for i in range(3):
        r = _login(client, f"nobody{i}@example.org", "wrong-password", ip="10.0.0.7")
        assert r.status_code == 401
    r = _login(client, "nobody9@example.org", "wrong-password", ip="10.0.0.7")
    assert_error(r, 429)
    assert int(r.headers["Retry-After"]) >= 1
    # Another address still gets through.
    assert _login(client, ana.email, TEST_PASSWORD, ip="10.0.0.8").status_code == 200


def test_successful_logins_do_not_count_towards_the_throttle(make_app, auth, cheap_argon2):
    ana = cheap_argon2(auth.user())
    client = _limited_client(
        make_app, RATELIMIT_LOGIN_ACCOUNT="3 per minute", RATELIMIT_LOGIN_IP="3 per minute"
    )
    assert _login(client, ana.email, "wrong-password").status_code == 401
    assert _login(client, ana.email, "wrong-password").status_code == 401
    for _ in range(4):
        assert _login(client, ana.email, TEST_PASSWORD).status_code == 200
    assert _login(client, ana.email, "wrong-password").status_code == 401
    assert_error(_login(client, ana.email, "wrong-password"), 429)


def test_no_throttle_when_limits_are_switched_off(make_app, auth, cheap_argon2):
    ana = cheap_argon2(auth.user())
    client = make_app(
        LIMITS_ENABLED=False, RATELIMIT_LOGIN_ACCOUNT="1 per minute", RATELIMIT_LOGIN_IP="1/minute"
    ).test_client()
    for _ in range(4):
        assert _login(client, ana.email, "wrong-password").status_code == 401
    assert _login(client, ana.email, TEST_PASSWORD).status_code == 200
