"""HTTP a browser can use: CORS that exposes what a client reads, Retry-After only when it
means something, and conditional GETs (ETag, If-None-Match -> 304) a service worker can use."""

from __future__ import annotations

import pytest

from tests.support.api import v1

ORIGIN = "http://localhost:5173"


def _listed(header: str) -> set[str]:
    return {name.strip().lower() for name in header.split(",") if name.strip()}


@pytest.fixture
def browser(make_app):
    return make_app(CORS_ORIGINS=[ORIGIN]).test_client()


def test_a_preflight_allows_the_headers_a_client_sends(browser):
    r = browser.options(
        v1("/neighbourhoods"),
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key, "
            "if-none-match, accept-language, x-request-id",
        },
    )
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN
    allowed = _listed(r.headers["Access-Control-Allow-Headers"])
    assert {
        "authorization",
        "content-type",
        "idempotency-key",
        "x-request-id",
        "if-none-match",
        "accept-language",
    } <= allowed


def test_a_cross_origin_get_exposes_what_a_client_reads(browser, auth):
    ana = auth.user()
    r = browser.get(v1("/me"), headers={**ana.headers, "Origin": ORIGIN})
    assert r.status_code == 200
    exposed = _listed(r.headers["Access-Control-Expose-Headers"])
    assert {
        "retry-after",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "location",
        "etag",
        "idempotent-replayed",
        "x-request-id",
        "content-language",
    } <= exposed
    # Vary keeps what i18n put there beside the origin.
    vary = _listed(r.headers["Vary"])
    assert {"origin", "accept-language"} <= vary


def test_vary_keeps_accept_language_without_cors(api, auth):
    r = api.get("/me", as_=auth.user())
    assert "accept-language" in _listed(r.headers["Vary"])


def test_retry_after_only_on_429(make_app):
    app = make_app(LIMITS_ENABLED=True, RATELIMIT_REGISTER="2 per hour")
    client = app.test_client()
    statuses = []
    for n in range(3):
        r = client.post(
            v1("/auth/register"),
            json={
                "email": f"retry{n}@example.org",
                "password": "correct horse battery staple",
                "display_name": f"Retry {n}",
            },
        )
        statuses.append(r.status_code)
        if r.status_code == 201:
            assert "Retry-After" not in r.headers
            assert "X-RateLimit-Limit" in r.headers  # the limit's headers stay
        else:
            assert r.status_code == 429, r.get_json()
            assert int(r.headers["Retry-After"]) >= 1
    assert statuses == [201, 201, 429]


def test_a_repeated_get_is_a_304_with_no_body(api, auth):
    ana = auth.user()
    first = api.get("/me", as_=ana)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"

    again = api.get("/me", as_=ana, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "private, no-cache"

    stale = api.get("/me", as_=ana, headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200 and stale.get_json()["id"] == ana.id


def test_a_new_post_changes_the_first_pages_etag(api, auth):
    place = auth.neighbourhood()
    ana = auth.member(place)
    feed = f"/neighbourhoods/{place.id}/posts"
    before = api.get(feed, as_=ana)
    assert before.status_code == 200 and before.headers.get("ETag")
    tag = before.headers["ETag"]
    assert api.get(feed, as_=ana, headers={"If-None-Match": tag}).status_code == 304

    post = {"category": "lost_found", "title": "Cat", "body": "Lost near the market"}
    r = api.post(feed, as_=ana, json=post)
    assert r.status_code == 201, r.get_json()

    after = api.get(feed, as_=ana, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]


def test_each_reader_and_language_has_its_own_etag(api, auth):
    place = auth.neighbourhood()
    ana, bob = auth.member(place), auth.member(place)
    path = f"/neighbourhoods/{place.id}"
    mine = api.get(path, as_=ana)
    theirs = api.get(path, as_=bob)
    assert mine.status_code == theirs.status_code == 200
    assert mine.headers["ETag"] != theirs.headers["ETag"]
    theirs_again = api.get(path, as_=bob, headers={"If-None-Match": mine.headers["ETag"]})
    assert theirs_again.status_code == 200
    french = api.get(path, as_=ana, headers={"Accept-Language": "fr"})
    assert french.headers["Content-Language"] == "fr"
    assert french.headers["ETag"] != mine.headers["ETag"]


def test_later_pages_and_secrets_are_not_kept(api, auth):
    place = auth.neighbourhood()
    ana = auth.member(place)
    later = api.get(f"/neighbourhoods/{place.id}/posts?after=eyJ9", as_=ana)
    assert "ETag" not in later.headers
    assert later.headers["Cache-Control"] == "no-store"
    sessions = api.get("/me/sessions", as_=ana)
    assert sessions.status_code == 200
    assert "ETag" not in sessions.headers and sessions.headers["Cache-Control"] == "no-store"
    login = api.post("/auth/login", json={"email": ana.email, "password": "nope"})
    assert login.headers["Cache-Control"] == "no-store"


def test_errors_carry_no_etag(api, auth):
    r = api.get("/posts/999999", as_=auth.user())
    assert r.status_code == 404
    assert "ETag" not in r.headers and r.headers["Cache-Control"] == "no-store"


def test_the_document_names_etag_and_304_on_revalidated_gets(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    me = paths["/api/v1/me"]["get"]["responses"]
    assert "ETag" in me["200"]["headers"] and "304" in me
    assert "304" in paths["/api/v1/neighbourhoods/{neighbourhood_id}/posts"]["get"]["responses"]
    assert "304" not in paths["/api/v1/me/export"]["get"]["responses"]
    assert "304" not in paths["/api/v1/me"]["patch"]["responses"]
