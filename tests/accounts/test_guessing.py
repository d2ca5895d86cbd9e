"""Password guessing: per (account, address) login limits, a per-account ceiling, limits on
the password checks behind a stolen token, and the real client address behind a proxy."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.api import v1
from tests.support.errors import assert_error
from tests.support.settings import STRONG_PASSWORD, TEST_PASSWORD


def _login(client, email, password, ip="10.0.0.1", **kwargs):
    return client.post(
        v1("/auth/login"),
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": ip},
        **kwargs,
    )


def test_a_strangers_failures_do_not_lock_the_owner_out(make_app, auth, cheap_argon2):
    """With the default limits, someone who knows an email can't block its owner."""
    ana = cheap_argon2(auth.user())
    client = make_app(LIMITS_ENABLED=True).test_client()
    for _ in range(5):
        assert _login(client, ana.email, "wrong-password", ip="203.0.113.66").status_code == 401
    r = _login(client, ana.email, "wrong-password", ip="203.0.113.66")
    assert_error(r, 429)
    assert int(r.headers["Retry-After"]) >= 1
    # The stranger stays stopped, even with the right password from their address ...
    assert_error(_login(client, ana.email, TEST_PASSWORD, ip="203.0.113.66"), 429)
    # ... while the owner, elsewhere, logs in.
    assert _login(client, ana.email, TEST_PASSWORD, ip="198.51.100.7").status_code == 200


def test_the_per_account_ceiling_stops_guessing_spread_over_addresses(make_app, auth, cheap_argon2):
    ana = cheap_argon2(auth.user())
    client = make_app(
        LIMITS_ENABLED=True,
        RATELIMIT_LOGIN_ACCOUNT_IP="2 per minute",
        RATELIMIT_LOGIN_ACCOUNT="6 per minute",
        RATELIMIT_LOGIN_IP="100 per minute",
    ).test_client()
    # Attempts refused per address don't use up the ceiling: 3 addresses x (2 + 5 refused).
    for i in range(3):
        for _ in range(2):
            assert _login(client, ana.email, "wrong", ip=f"10.1.0.{i}").status_code == 401
        for _ in range(5):
            assert_error(_login(client, ana.email, "wrong", ip=f"10.1.0.{i}"), 429)
    assert_error(_login(client, ana.email, "wrong", ip="10.1.0.99"), 429)
    assert_error(_login(client, ana.email, TEST_PASSWORD, ip="10.1.0.98"), 429)


@pytest.mark.commits  # guesses on several threads, each with its own connection
def test_simultaneous_guesses_are_counted_before_the_password_is_checked(
    make_app, auth, cheap_argon2
):
    """A burst can't slip past a check made before any of its guesses is counted."""
    ana = cheap_argon2(auth.user())
    app = make_app(LIMITS_ENABLED=True, RATELIMIT_LOGIN_ACCOUNT_IP="3 per minute")

    def guess(_: int) -> int:
        return _login(app.test_client(), ana.email, "wrong", ip="10.2.0.1").status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(guess, range(16)))
    assert codes.count(401) <= 3, codes
    assert set(codes) <= {401, 429}


def _change_password(client, actor, current, new=STRONG_PASSWORD + " again"):
    return client.post(
        v1("/me/password"),
        json={"current_password": current, "new_password": new},
        headers=actor.headers,
    )


def test_wrong_passwords_behind_a_token_are_limited(make_app, auth, cheap_argon2):
    """A stolen token can't be used to guess the password on /me/password and DELETE /me."""
    ana = cheap_argon2(auth.user())
    bob = cheap_argon2(auth.user())
    client = make_app(LIMITS_ENABLED=True, RATELIMIT_PASSWORD_CHECK="4 per minute").test_client()
    for _ in range(2):
        assert_error(_change_password(client, ana, "wrong-password"), 422, "current_password")
    for _ in range(2):  # one budget for both: DELETE /me counts too
        r = client.delete("/api/v1/me", json={"password": "wrong"}, headers=ana.headers)
        assert_error(r, 422, "password")
    r = _change_password(client, ana, "wrong-password")
    body = assert_error(r, 429)
    assert int(r.headers["Retry-After"]) >= 1
    assert "too many" in body["message"].lower()
    r = client.delete("/api/v1/me", json={"password": TEST_PASSWORD}, headers=ana.headers)
    assert_error(r, 429)
    assert client.get("/api/v1/me", headers=ana.headers).status_code == 200  # not deleted
    # Someone else's budget is their own.
    assert _change_password(client, bob, TEST_PASSWORD).status_code == 204


def test_only_wrong_passwords_spend_the_password_budget(make_app, auth, cheap_argon2):
    ana = cheap_argon2(auth.user())
    client = make_app(LIMITS_ENABLED=True, RATELIMIT_PASSWORD_CHECK="2 per minute").test_client()
    # A weak new password with the right current one is not a guess.
    for _ in range(3):
        r = _change_password(client, ana, TEST_PASSWORD, new="password")
        assert_error(r, 422, "new_password")
    assert_error(_change_password(client, ana, "wrong-password"), 422, "current_password")
    assert _change_password(client, ana, TEST_PASSWORD).status_code == 204
    assert_error(_change_password(client, ana, "wrong-password"), 422, "current_password")
    assert_error(_change_password(client, ana, "wrong-password"), 429)


def test_password_limits_are_off_with_the_other_limits(make_app, auth, cheap_argon2):
    ana = cheap_argon2(auth.user())
    client = make_app(LIMITS_ENABLED=False, RATELIMIT_PASSWORD_CHECK="1 per minute").test_client()
    for _ in range(3):
        assert_error(_change_password(client, ana, "wrong-password"), 422, "current_password")
    assert _change_password(client, ana, TEST_PASSWORD).status_code == 204


# --- behind a proxy -----------------------------------------------------------------------


def _via_proxy(client, email, password, forwarded_for):
    return _login(
        client, email, password, ip="127.0.0.1", headers={"X-Forwarded-For": forwarded_for}
    )


def test_behind_a_trusted_proxy_limits_see_the_client_address(make_app, auth, cheap_argon2):
    ana = cheap_argon2(auth.user())
    client = make_app(
        LIMITS_ENABLED=True, TRUSTED_PROXIES=1, RATELIMIT_LOGIN_ACCOUNT_IP="2 per minute"
    ).test_client()
    for _ in range(2):
        assert _via_proxy(client, ana.email, "wrong", "203.0.113.66").status_code == 401
    assert_error(_via_proxy(client, ana.email, "wrong", "203.0.113.66"), 429)
    # The owner comes through the same proxy from another address.
    r = _via_proxy(client, ana.email, TEST_PASSWORD, "198.51.100.7")
    assert r.status_code == 200
    sessions = client.get(
        "/api/v1/me/sessions", headers={"Authorization": f"Bearer {r.get_json()['access_token']}"}
    ).get_json()["items"]
    assert "198.51.100.7" in {s["ip"] for s in sessions}


def test_forwarded_headers_are_ignored_without_trusted_proxies(make_app, auth, cheap_argon2):
    """Off by default: a client can't pick a fresh address per guess with X-Forwarded-For."""
    ana = cheap_argon2(auth.user())
    client = make_app(LIMITS_ENABLED=True, RATELIMIT_LOGIN_ACCOUNT_IP="2 per minute").test_client()
    for i in range(2):
        assert _via_proxy(client, ana.email, "wrong", f"203.0.113.{i}").status_code == 401
    assert_error(_via_proxy(client, ana.email, "wrong", "203.0.113.50"), 429)
