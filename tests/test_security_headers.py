"""Headers suited to a JSON API, CORS for configured origins only, request size limits."""

from __future__ import annotations

from tests.support.errors import assert_error


def test_api_responses_carry_security_headers(api, auth):
    ana = auth.user()
    r = api.get("/me", headers=ana.headers)
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert r.headers["Content-Security-Policy"].startswith("default-src 'none'")
    # A single object a service worker may keep and must revalidate (tests/http).
    assert r.headers["Cache-Control"] == "private, no-cache"
    assert "Strict-Transport-Security" not in r.headers


def test_errors_carry_them_too(api):
    r = api.get("/nothing-here")
    assert r.status_code == 404
    assert r.headers["X-Frame-Options"] == "DENY"


def test_hsts_in_production(make_app):
    app = make_app(NEIGHBOURS_ENV="production")
    r = app.test_client().get("/healthz")
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")


def test_docs_page_may_load_its_own_assets_only(client):
    csp = client.get("/api/docs").headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "http" not in csp


def test_cors_only_for_configured_origins(make_app):
    app = make_app(CORS_ORIGINS=["https://app.neighbours.example"])
    client = app.test_client()
    ok = client.get("/healthz", headers={"Origin": "https://app.neighbours.example"})
    assert ok.headers["Access-Control-Allow-Origin"] == "https://app.neighbours.example"
    other = client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = client.options(
        "/api/v1/me",
        headers={
            "Origin": "https://app.neighbours.example",
            "Access-Control-Request-Method": "PATCH",
        },
    )
    assert preflight.status_code == 204
    assert "PATCH" in preflight.headers["Access-Control-Allow-Methods"]


def test_oversized_body_is_413_json(make_app):
    app = make_app(MAX_CONTENT_LENGTH=2048)
    r = app.test_client().post(
        "/api/v1/auth/register",
        json={"email": "big@example.org", "password": "x" * 5000, "display_name": "Big"},
    )
    assert_error(r, 413)
