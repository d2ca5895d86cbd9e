"""The contract's conventions: errors, auth on every call, idempotency, request ids, health,
OpenAPI and the offline docs page."""

from __future__ import annotations

import io
import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import text

from tests.support.api import v1
from tests.support.errors import assert_error
from tests.support.factories import Actor
from tests.support.settings import TEST_PASSWORD

# --- one error shape ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/nope", "/api/v1/nope", "/api/v1/neighbourhoods/abc"])
def test_unknown_path_is_a_json_404(client, path):
    r = client.get(path)
    body = assert_error(r, 404)
    assert body["status"] == "Not Found"
    assert "errors" not in body
    assert "<html" not in r.get_data(as_text=True).lower()


@pytest.mark.parametrize(
    ("method", "path"),
    [("delete", "/healthz"), ("put", "/api/v1/me"), ("patch", "/api/v1/auth/login")],
)
def test_wrong_method_is_a_json_405_with_allow(client, method, path):
    r = getattr(client, method)(path)
    body = assert_error(r, 405)
    assert body["status"] == "Method Not Allowed"
    assert "GET" in r.headers["Allow"] or "POST" in r.headers["Allow"]


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("{not json", "application/json"),
        ("email=a@b.c", "application/x-www-form-urlencoded"),
        ("just text", "text/plain"),
        (b"\xff\xfe\x00", "application/json"),
    ],
)
def test_a_body_that_is_not_json_is_a_json_400(api, data, content_type):
    r = api.post("/auth/login", data=data, content_type=content_type)
    body = assert_error(r, 400)
    assert body["status"] == "Bad Request"
    assert "json" in body["message"].lower()


def test_bad_input_is_a_json_422_naming_the_field(api):
    r = api.post("/auth/register", json={"email": "x", "password": "y"})
    body = assert_error(r, 422, "email")
    assert body["status"] == "Unprocessable Entity"
    assert set(body["errors"]["json"]) == {"email", "password", "display_name"}
    assert all(isinstance(v, list) for v in body["errors"]["json"].values())


def test_a_conflict_is_a_json_409(auth, api):
    ana = auth.user()
    r = api.post(
        "/auth/register",
        json={"email": ana.email, "password": "correct horse battery staple", "display_name": "A"},
    )
    body = assert_error(r, 409)
    assert body["status"] == "Conflict"


def test_too_many_requests_is_a_json_429_with_retry_after(make_app, auth):
    ana = auth.user()
    client = make_app(LIMITS_ENABLED=True, RATELIMIT_JOIN="2 per hour").test_client()
    for _ in range(2):
        r = client.post(
            f"/api/v1/neighbourhoods/{auth.neighbourhood().id}/join", headers=ana.headers
        )
        assert r.status_code == 201
    r = client.post(f"/api/v1/neighbourhoods/{auth.neighbourhood().id}/join", headers=ana.headers)
    body = assert_error(r, 429)
    assert body["status"] == "Too Many Requests"
    assert 1 <= int(r.headers["Retry-After"]) <= 3600


def _app_with_a_broken_route(make_app):
    app = make_app()

    def boom():
        raise RuntimeError("secret internals")

    app.add_url_rule("/api/v1/boom", "boom", boom, methods=["GET", "POST"])
    return app


def test_an_unexpected_error_is_a_json_500_that_hides_the_details(make_app, auth):
    app = _app_with_a_broken_route(make_app)
    r = app.test_client().get("/api/v1/boom")
    body = assert_error(r, 500)
    assert body["status"] == "Internal Server Error"
    assert "secret internals" not in r.get_data(as_text=True)
    assert "Traceback" not in r.get_data(as_text=True)


def test_a_401_carries_www_authenticate(api):
    r = api.get("/me")
    body = assert_error(r, 401)
    assert body["status"] == "Unauthorized"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


# --- every call of the two sections needs a valid token -----------------------------------


def _expire(db, token):
    from neighbours.accounts.models import AccessToken
    from neighbours.auth import hash_token
    from neighbours.database import utcnow

    row = db.session.query(AccessToken).filter_by(token_hash=hash_token(token)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


def _revoke(db, token):
    from neighbours.accounts.models import AccessToken
    from neighbours.auth import hash_token
    from neighbours.database import utcnow

    row = db.session.query(AccessToken).filter_by(token_hash=hash_token(token)).one()
    row.revoked_at = utcnow()
    db.session.commit()


def _deleted_user_token(db, auth):
    from neighbours.accounts.models import User
    from neighbours.database import utcnow

    actor = auth.user()
    db.session.get(User, actor.id).deleted_at = utcnow()
    db.session.commit()
    return actor.token


TOKEN_CASES = ["missing", "garbage", "expired", "revoked", "deleted-user"]

ENDPOINTS = [
    ("post", "/auth/logout", None),
    ("get", "/me", None),
    ("patch", "/me", {"bio": "x"}),
    ("delete", "/me", {"password": TEST_PASSWORD}),
    ("get", "/me/export", None),
    ("get", "/me/badges", None),
    ("get", "/me/blocks", None),
    ("get", "/me/sessions", None),
    ("delete", "/me/sessions", None),
    ("delete", "/me/sessions/1", None),
    ("post", "/me/password", {"current_password": "x", "new_password": "y" * 12}),
    ("get", "/users/{member}", None),
    ("post", "/users/{member}/block", None),
    ("delete", "/users/{member}/block", None),
    ("post", "/neighbourhoods", {"name": "Vaise"}),
    ("get", "/neighbourhoods", None),
    ("get", "/neighbourhoods/{n}", None),
    ("post", "/neighbourhoods/{n}/join", {}),
    ("post", "/neighbourhoods/{n}/invites", None),
    ("get", "/neighbourhoods/{n}/members", None),
    ("post", "/neighbourhoods/{n}/members/{pending}/approve", None),
    ("post", "/neighbourhoods/{n}/members/{pending}/decline", None),
    ("patch", "/neighbourhoods/{n}/members/{member}", {"role": "host"}),
    ("delete", "/neighbourhoods/{n}/members/{member}", None),
    ("delete", "/neighbourhoods/{n}/members/me", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_every_call_refuses_a_missing_or_dead_token(auth, client, db, method, path, body):
    croix = auth.neighbourhood(join_policy="approval")
    member = auth.member(croix)
    pending = auth.member(croix, status="pending")
    expired, revoked = auth.member(croix), auth.member(croix)
    _expire(db, expired.token)
    _revoke(db, revoked.token)
    tokens = {
        "missing": None,
        "garbage": "x" * 43,
        "expired": expired.token,
        "revoked": revoked.token,
        "deleted-user": _deleted_user_token(db, auth),
    }
    assert set(tokens) == set(TOKEN_CASES)
    url = "/api/v1" + path.format(n=croix.id, member=member.id, pending=pending.id)
    counts = text(
        "SELECT (SELECT count(*) FROM memberships), (SELECT count(*) FROM neighbourhoods),"
        " (SELECT count(*) FROM invites), (SELECT count(*) FROM blocks)"
    )
    before = tuple(db.session.execute(counts).one())
    for case, token in tokens.items():
        kwargs = {"headers": {"Authorization": f"Bearer {token}"} if token else {}}
        if body is not None:
            kwargs["json"] = body
        r = getattr(client, method)(url, **kwargs)
        assert r.status_code == 401, (case, r.get_json())
        assert_error(r, 401)
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert tuple(db.session.execute(counts).one()) == before


def test_the_401_matrix_covers_every_route_of_the_two_sections(app):
    covered = {(m.upper(), re.sub(r"\{\w+\}|\d+", "X", p)) for m, p, _ in ENDPOINTS}
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in {"accounts", "neighbourhoods"}:
            continue
        path = re.sub(r"<(?:\w+:)?\w+>", "X", rule.rule.removeprefix("/api/v1"))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if path not in {"/auth/register", "/auth/login"}:
                routes.add((method, path))
    assert routes == covered


# --- Idempotency-Key ----------------------------------------------------------------------

NEW = {
    "name": "Croix-Rousse",
    "city": "Lyon",
    "latitude": 45.7745,
    "longitude": 4.832,
    "radius_m": 1000,
    "join_policy": "open",
}


def _create(client, actor, key, body=None):
    headers = {**actor.headers, "Idempotency-Key": key}
    return client.post(v1("/neighbourhoods"), json=body or NEW, headers=headers)


def _count(db, table):
    return db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_a_replay_returns_the_first_response_without_a_second_row(auth, client, db):
    ana = auth.user()
    first = _create(client, ana, "key-1")
    assert first.status_code == 201
    replay = _create(client, ana, "key-1")
    assert replay.status_code == 201
    assert replay.get_json() == first.get_json()
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert _count(db, "neighbourhoods") == 1
    assert _count(db, "memberships") == 1
    # A new key is a new neighbourhood.
    other = _create(client, ana, "key-2")
    assert other.status_code == 201
    assert other.get_json()["id"] != first.get_json()["id"]
    assert _count(db, "neighbourhoods") == 2


def test_the_same_key_with_another_body_is_422(auth, client, db):
    ana = auth.user()
    assert _create(client, ana, "key-1").status_code == 201
    r = _create(client, ana, "key-1", {**NEW, "name": "Vaise"})
    assert_error(r, 422, "Idempotency-Key", "headers")
    assert _count(db, "neighbourhoods") == 1


def test_keys_are_per_user(auth, client, db):
    ana, bob = auth.user(), auth.user()
    a = _create(client, ana, "shared-key")
    b = _create(client, bob, "shared-key")
    assert a.status_code == b.status_code == 201
    assert a.get_json()["id"] != b.get_json()["id"]
    assert b.headers.get("Idempotent-Replayed") is None
    assert _count(db, "neighbourhoods") == 2


def test_a_failed_request_releases_its_key(auth, client, db):
    ana = auth.user()
    assert_error(_create(client, ana, "key-1", {**NEW, "radius_m": -1}), 422, "radius_m")
    r = _create(client, ana, "key-1")
    assert r.status_code == 201
    assert _count(db, "neighbourhoods") == 1
    assert_error(_create(client, Actor(0, "", "not-a-token"), "key-9"), 401)
    assert _count(db, "idempotency_keys") == 1


def test_a_key_in_progress_is_409(auth, client, db):
    from neighbours.idempotency import IdempotencyKey

    ana = auth.user()
    db.session.add(
        IdempotencyKey(
            scope=f"user:{ana.id}",
            key="busy",
            user_id=ana.id,
            method="POST",
            path="/api/v1/neighbourhoods",
            request_hash="0" * 64,
        )
    )
    db.session.commit()
    # Same body or not, nothing may run while the first holder is still working.
    r = _create(client, ana, "busy")
    assert r.status_code in (409, 422)
    assert _count(db, "neighbourhoods") == 0


def test_an_old_key_can_be_used_again(auth, client, db):
    from neighbours.database import utcnow

    ana = auth.user()
    assert _create(client, ana, "key-1").status_code == 201
    db.session.execute(
        text("UPDATE idempotency_keys SET created_at = :t"),
        {"t": utcnow() - timedelta(hours=25)},
    )
    db.session.commit()
    r = _create(client, ana, "key-1", {**NEW, "name": "Vaise"})
    assert r.status_code == 201
    assert r.get_json()["name"] == "Vaise"


def test_a_join_replay_returns_the_membership_not_a_409(auth, api, db):
    croix = auth.neighbourhood()
    ana = auth.user()
    headers = {**ana.headers, "Idempotency-Key": "join-1"}
    first = api.post(f"/neighbourhoods/{croix.id}/join", json={}, headers=headers)
    again = api.post(f"/neighbourhoods/{croix.id}/join", json={}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()


def test_a_login_response_is_never_stored_for_replay(auth, api, db):
    ana = auth.user()
    r = api.post(
        "/auth/login",
        json={"email": ana.email, "password": TEST_PASSWORD},
        headers={"Idempotency-Key": "login-1"},
    )
    assert r.status_code == 200
    token = r.get_json()["access_token"]
    stored = db.session.execute(text("SELECT response_body FROM idempotency_keys")).scalars()
    assert all(token not in (body or "") for body in stored)


def test_an_overlong_key_is_422(auth, client):
    ana = auth.user()
    assert_error(_create(client, ana, "k" * 256), 422, "Idempotency-Key", "headers")


# --- X-Request-ID -------------------------------------------------------------------------


def test_a_request_id_is_echoed(client):
    r = client.get("/healthz", headers={"X-Request-ID": "abc-123.x:y_z"})
    assert r.headers["X-Request-ID"] == "abc-123.x:y_z"


def test_a_request_id_is_made_when_missing_or_unsafe(client):
    a = client.get("/healthz").headers["X-Request-ID"]
    b = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", a) and a != b
    c = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", c.headers["X-Request-ID"])
    d = client.get("/healthz", headers={"X-Request-ID": "x" * 129})
    assert re.fullmatch(r"[0-9a-f]{32}", d.headers["X-Request-ID"])


def test_error_responses_carry_the_request_id_too(client):
    r = client.get("/nope", headers={"X-Request-ID": "req-404"})
    assert r.headers["X-Request-ID"] == "req-404"


def _capture_app_log():
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "_neighbours", False))
    stream = io.StringIO()
    old = handler.setStream(stream)
    return handler, stream, old


def test_the_request_id_appears_in_the_log_lines_of_its_request(make_app, auth):
    app = _app_with_a_broken_route(make_app)
    handler, stream, old = _capture_app_log()
    try:
        app.test_client().get("/api/v1/boom", headers={"X-Request-ID": "req-boom-42"})
        logging.getLogger("outside").warning("no request here")
    finally:
        handler.setStream(old)
    lines = stream.getvalue().splitlines()
    boom = [line for line in lines if "unhandled error" in line]
    assert boom, lines
    assert "[req-boom-42]" in boom[0]
    outside = [line for line in lines if "no request here" in line]
    assert "[-]" in outside[0]


def test_a_generated_request_id_is_in_the_log_too(make_app, auth):
    app = _app_with_a_broken_route(make_app)
    handler, stream, old = _capture_app_log()
    try:
        r = app.test_client().get("/api/v1/boom")
    finally:
        handler.setStream(old)
    assert f"[{r.headers['X-Request-ID']}]" in stream.getvalue()


# --- health -------------------------------------------------------------------------------


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.get_json() == {"status": "ok"}


def test_readyz_with_the_database_up(client):
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.get_json() == {
        "status": "ready",
        "checks": {"database": "ok"},
        # No job consumer ever ran here: reported, not a reason to be unready.
        "jobs": {
            "status": "none",
            "consumers": 0,
            "last_heartbeat_at": None,
            "seconds_since": None,
        },
    }


def test_readyz_is_503_when_the_database_is_unreachable(make_app, app):
    down = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/nothing")
    r = down.test_client().get("/readyz")
    assert r.status_code == 503
    body = r.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"].startswith("unreachable")
    assert down.test_client().get("/healthz").status_code == 200


def test_readyz_is_503_when_redis_is_unreachable(make_app, app):
    down = make_app(REDIS_URL="redis://127.0.0.1:1/0", REDIS_CHANNEL_PREFIX="test-readyz")
    r = down.test_client().get("/readyz")
    assert r.status_code == 503
    body = r.get_json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("unreachable")


@pytest.mark.redis
def test_readyz_with_redis_up(make_app, app):
    from tests.support.settings import REDIS_URL

    up = make_app(REDIS_URL=REDIS_URL, REDIS_CHANNEL_PREFIX="test-readyz")
    r = up.test_client().get("/readyz")
    assert r.status_code == 200
    assert r.get_json()["checks"] == {"database": "ok", "redis": "ok"}


# --- OpenAPI and docs ---------------------------------------------------------------------


def test_openapi_documents_every_api_route_with_bearer_auth(app, client):
    r = client.get("/api/openapi.json")
    assert r.status_code == 200
    spec = r.get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] and spec["info"]["version"]
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        assert path in spec["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = spec["paths"][path].get(method.lower())
            assert operation is not None, (method, path)
            assert operation.get("summary"), (method, path)
            # The calendar feed: its URL's secret is the key (calendar apps can't sign in).
            public = path in {
                "/api/v1/auth/register",
                "/api/v1/auth/login",
                "/api/v1/calendar/{secret}.ics",
            }
            if not public:
                assert operation.get("security") == [{"bearerAuth": []}], (method, path)
    # Every $ref resolves.
    refs = set(re.findall(r'"\$ref": ?"#/components/schemas/([^"]+)"', r.get_data(as_text=True)))
    assert refs <= set(spec["components"]["schemas"])
    # Paths carry their parameters.
    members = spec["paths"]["/api/v1/neighbourhoods/{neighbourhood_id}/members"]["get"]
    names = {p["name"] for p in members["parameters"]}
    assert {"limit", "after", "status"} <= names


def test_docs_page_works_offline(client):
    r = client.get("/api/docs")
    assert r.status_code == 200
    assert r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r'url: ?"([^"]+)"', html)
    assert len(urls) >= 3, urls
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        assert client.get(url).status_code == 200, url
    assert "/api/openapi.json" in urls
    assert not re.search(r"https?://", html)


# --- cursors ------------------------------------------------------------------------------


def test_cursor_values_must_fit_their_columns(app):
    from datetime import datetime

    from neighbours.accounts.models import User
    from neighbours.database import utcnow
    from neighbours.errors import Invalid
    from neighbours.pagination import SortKey, check_cursor, decode_cursor, encode_cursor

    keys = [SortKey(User.is_admin), SortKey(User.created_at, desc=True), SortKey(User.id)]
    good = decode_cursor(encode_cursor([False, utcnow(), 7]), 3)
    check_cursor(keys, good)
    assert isinstance(good[1], datetime) and good[1].tzinfo is not None
    for bad in (
        [False, datetime(2024, 1, 1), 7],  # a naive time
        [False, "2024-01-01", 7],
        [False, utcnow(), 7.5],
        [False, utcnow(), 2**70],
        [False, utcnow(), float("nan")],
        ["no", utcnow(), 7],
        [None, utcnow(), 7],
        [False, utcnow(), [7]],
    ):
        with pytest.raises(Invalid) as caught:
            check_cursor(keys, decode_cursor(encode_cursor(bad), 3))
        assert list(caught.value.errors) == ["query"]
        assert list(caught.value.errors["query"]) == ["after"]
    with pytest.raises(Invalid):
        decode_cursor(encode_cursor([1, 2]), 3)
