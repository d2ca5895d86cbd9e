"""The bare baseline of `bench.versus`: the app's hot paths with no framework, on psycopg 3.

    gunicorn -c config/gunicorn.conf.py -b 127.0.0.1:PORT bench.bare:app

The same gunicorn settings as the app (one gevent worker per process), the same database and
the same Redis, and no Flask, SQLAlchemy, marshmallow nor Flask-SocketIO: each path is the
work the issue names, done the plain way, so the ratio app/bare says what the app's layers
cost. Environment: `DATABASE_URL` (postgresql://...), `REDIS_URL`, `REDIS_CHANNEL_PREFIX`,
`BARE_POOL_SIZE` / `BARE_POOL_OVERFLOW` (5 / 10: SQLAlchemy's defaults, which the app uses).

- `GET /api/v1/neighbourhoods/{id}/posts`: the token's hash looked up with its user, the
  membership checked, then the 21 newest posts (pinned first, without authors the reader
  blocked) with author names, comment and reaction counts and the reader's own reactions in
  one indexed query; 20 of them and a cursor as JSON.
- `GET /api/v1/neighbourhoods/{id}/meals` and `GET /api/v1/meals/{id}`: token, then the meals
  with canteen, pools, waitlist counts, the reader's signup (and waitlist place) and whether
  they host it in one query (the membership comes with the meal on the detail); warnings
  for the reader's allergens and diets.
- `POST /api/v1/meals/{id}/signups`: token, then in one transaction: lock the meal row (an
  UPDATE of its availability version), check the membership, take a seat with a conditional
  UPDATE (or join the waitlist), insert the signup, commit. No live event, no event log.
- Socket.IO (python-socketio, gevent, the same Redis message queue): on connect, the token
  looked up, the rooms from one query (the user's, and each active, not suspended
  membership's), and with `auth.last_event_id` the event log read for those rooms (what was
  missed is sent after the connect).
- `GET /readyz`, and `GET /bench/ping` (a constant, to measure the load generator).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import socketio

Json = dict[str, Any]


class Pool:
    """At most size + overflow connections, up to `size` of them kept idle (as SQLAlchemy's
    QueuePool); autocommit, so a read is one round trip."""

    def __init__(self, dsn: str, size: int, overflow: int) -> None:
        self._dsn = dsn
        self._size = size
        self._idle: list[psycopg.Connection] = []
        self._slots = threading.BoundedSemaphore(size + overflow)

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        with self._slots:
            conn = self._idle.pop() if self._idle else psycopg.connect(self._dsn, autocommit=True)
            try:
                yield conn
            except BaseException:
                conn.close()
                raise
            idle = conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
            if idle and not conn.closed and len(self._idle) < self._size:
                self._idle.append(conn)
            else:
                conn.close()


POOL = Pool(
    os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/neighbours_bench"),
    int(os.environ.get("BARE_POOL_SIZE", "5")),
    int(os.environ.get("BARE_POOL_OVERFLOW", "10")),
)


class Refusal(Exception):
    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _user(conn: psycopg.Connection, token: str | None) -> tuple | None:
    """(user_id, allergens, diets) of a live token, else None."""
    if not token:
        return None
    row = conn.execute(
        "SELECT t.user_id, t.expires_at, t.revoked_at, u.allergens, u.diets"
        " FROM access_tokens t JOIN users u ON u.id = t.user_id"
        " WHERE t.token_hash = %s AND u.deleted_at IS NULL",
        (hashlib.sha256(token.encode()).hexdigest(),),
    ).fetchone()
    if row is None or row[2] is not None or row[1] <= datetime.now(UTC):
        return None
    return row[0], row[3] or [], row[4] or []


def _role(conn: psycopg.Connection, hood: int, user_id: int) -> str | None:
    row = conn.execute(
        "SELECT role FROM memberships"
        " WHERE neighbourhood_id = %s AND user_id = %s AND status = 'active'",
        (hood, user_id),
    ).fetchone()
    return row[0] if row else None


FEED = """
SELECT p.id, p.category, p.title, p.body, p.status, p.pinned, p.created_at, p.edited_at,
       u.id, u.display_name, u.avatar_url,
       (SELECT count(*) FROM comments c WHERE c.post_id = p.id AND c.status = 'published'),
       (SELECT json_object_agg(k.kind, k.n) FROM (SELECT r.kind, count(*) AS n FROM reactions r
         WHERE r.post_id = p.id GROUP BY r.kind) k),
       (SELECT array_agg(r.kind ORDER BY r.kind) FROM reactions r
         WHERE r.post_id = p.id AND r.user_id = %(reader)s)
FROM posts p JOIN users u ON u.id = p.author_id
WHERE p.neighbourhood_id = %(hood)s AND p.status = 'published'
  AND p.author_id NOT IN (SELECT b.blocked_id FROM blocks b WHERE b.blocker_id = %(reader)s)
ORDER BY p.pinned DESC, p.created_at DESC, p.id DESC
LIMIT %(limit)s
"""


def _cursor(values: list[Any]) -> str:
    raw = json.dumps([{"t": v.isoformat()} if isinstance(v, datetime) else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).rstrip(b"=").decode()


def feed(conn: psycopg.Connection, user: tuple, hood: int, limit: int) -> Json:
    if _role(conn, hood, user[0]) is None:
        raise Refusal("404 Not Found", "not_found")
    rows = conn.execute(FEED, {"reader": user[0], "hood": hood, "limit": limit + 1}).fetchall()
    items = [
        {
            "id": r[0],
            "neighbourhood_id": hood,
            "author": {"id": r[8], "display_name": r[9], "avatar_url": r[10]},
            "category": r[1],
            "title": r[2],
            "body": r[3],
            "status": r[4],
            "pinned": r[5],
            "created_at": _time(r[6]),
            "edited_at": _time(r[7]),
            "comment_count": r[11],
            "reactions": r[12] or {},
            "my_reactions": r[13] or [],
        }
        for r in rows[:limit]
    ]
    last = rows[limit - 1] if len(rows) > limit else None
    cursor = _cursor([int(last[5]), last[6], last[0]]) if last else None
    return {"items": items, "next_cursor": cursor}


# The meal columns both meal paths read: the meal, its canteen, its pools with their waitlist
# counts, the reader's active signup with its waitlist place, and whether they host it.
MEAL_COLUMNS = """
m.id, m.neighbourhood_id, m.title, m.menu, m.starts_at, m.ends_at, m.signup_closes_at,
m.allergens, m.diets, m.cost_price_cents, m.status, m.cancel_reason, m.availability_version,
c.id, c.name, c.address, c.timezone, c.latitude, c.longitude, c.currency,
(SELECT json_agg(json_build_object('key', p.key, 'label', p.label, 'capacity', p.capacity,
   'taken', p.taken, 'starts_at', p.starts_at, 'waitlist', (SELECT count(*) FROM signups w
   WHERE w.pool_id = p.id AND w.status = 'waitlisted')) ORDER BY p.position, p.id)
 FROM seat_pools p WHERE p.meal_id = m.id),
my.id, my.key, my.party_size, my.status, my.place,
EXISTS (SELECT 1 FROM canteen_hosts h WHERE h.canteen_id = m.canteen_id
        AND h.user_id = %(reader)s)
"""
MY_SIGNUP = """
LEFT JOIN LATERAL (
  SELECT s.id, p.key, s.party_size, s.status,
         CASE WHEN s.status = 'waitlisted' THEN (SELECT count(*) FROM signups a
           WHERE a.pool_id = s.pool_id AND a.status = 'waitlisted'
             AND a.waitlist_seq <= s.waitlist_seq) END AS place
  FROM signups s JOIN seat_pools p ON p.id = s.pool_id
  WHERE s.meal_id = m.id AND s.user_id = %(reader)s AND s.status IN ('confirmed', 'waitlisted')
) my ON true
"""
MEAL_LIST = f"""
SELECT {MEAL_COLUMNS} FROM meals m JOIN canteens c ON c.id = m.canteen_id {MY_SIGNUP}
WHERE m.neighbourhood_id = %(hood)s AND m.status = 'published' AND m.ends_at > now()
ORDER BY m.starts_at, m.id LIMIT %(limit)s
"""
MEAL_DETAIL = f"""
SELECT {MEAL_COLUMNS},
  (SELECT v.id FROM conversations v WHERE v.meal_id = m.id),
  (SELECT r.role FROM memberships r WHERE r.neighbourhood_id = m.neighbourhood_id
     AND r.user_id = %(reader)s AND r.status = 'active')
FROM meals m JOIN canteens c ON c.id = m.canteen_id {MY_SIGNUP}
WHERE m.id = %(meal)s
"""
HOSTING_ROLES = ("host", "moderator")


def _meal(r: tuple, user: tuple, role: str | None) -> Json:
    now = datetime.now(UTC)
    status = "done" if r[10] == "published" and r[5] <= now else r[10]
    pools = r[20] or []
    return {
        "id": r[0],
        "canteen": {
            "id": r[13],
            "name": r[14],
            "address": r[15],
            "timezone": r[16],
            "latitude": r[17],
            "longitude": r[18],
            "currency": r[19],
        },
        "is_host": bool(r[26]) and role in HOSTING_ROLES,
        "neighbourhood_id": r[1],
        "title": r[2],
        "menu": r[3],
        "starts_at": _time(r[4]),
        "ends_at": _time(r[5]),
        "signup_closes_at": _time(r[6]),
        "allergens": r[7],
        "diets": r[8],
        "cost_price_cents": r[9],
        "status": status,
        "cancel_reason": r[11],
        "pools": [{k: p[k] for k in ("key", "label", "capacity", "starts_at")} for p in pools],
        "availability": {
            p["key"]: {
                "capacity": p["capacity"],
                "taken": p["taken"],
                "left": p["capacity"] - p["taken"],
                "waitlist": p["waitlist"],
            }
            for p in pools
        },
        "version": r[12],
        "my_signup": None
        if r[21] is None
        else {
            "id": r[21],
            "pool": r[22],
            "party_size": r[23],
            "status": r[24],
            "waitlist_position": r[25],
        },
        "warnings": [a for a in user[1] if a in (r[7] or [])],
        "unsuited_diets": [d for d in user[2] if d not in (r[8] or [])],
    }


def meal_list(conn: psycopg.Connection, user: tuple, hood: int, limit: int) -> Json:
    role = _role(conn, hood, user[0])
    if role is None:
        raise Refusal("404 Not Found", "not_found")
    rows = conn.execute(MEAL_LIST, {"reader": user[0], "hood": hood, "limit": limit + 1}).fetchall()
    last = rows[limit - 1] if len(rows) > limit else None
    return {
        "items": [_meal(r, user, role) for r in rows[:limit]],
        "next_cursor": _cursor([last[4], last[0]]) if last else None,
    }


def meal_detail(conn: psycopg.Connection, user: tuple, meal_id: int) -> Json:
    r = conn.execute(MEAL_DETAIL, {"reader": user[0], "meal": meal_id}).fetchone()
    role = r[28] if r else None
    hosts = bool(r[26]) and role in HOSTING_ROLES if r else False
    if r is None or role is None or (r[10] == "draft" and not hosts):
        raise Refusal("404 Not Found", "not_found")
    return {**_meal(r, user, role), "conversation_id": r[27]}


def sign_up(conn: psycopg.Connection, user: tuple, meal_id: int, body: Json) -> Json:
    pool_key, party = body.get("pool", "table"), body.get("party_size", 1)
    if not isinstance(pool_key, str) or type(party) is not int or not 1 <= party <= 4:
        raise Refusal("422 Unprocessable Entity", "invalid_input")
    now = datetime.now(UTC)
    with conn.transaction():
        # The meal's row lock, taken by bumping its availability version.
        meal = conn.execute(
            "UPDATE meals SET availability_version = availability_version + 1 WHERE id = %s"
            " RETURNING neighbourhood_id, status, signup_closes_at, availability_version",
            (meal_id,),
        ).fetchone()
        if meal is None or _role(conn, meal[0], user[0]) is None:
            raise Refusal("404 Not Found", "not_found")
        if meal[1] != "published" or meal[2] <= now:
            raise Refusal("409 Conflict", "signups_closed")
        seat = conn.execute(
            "UPDATE seat_pools SET taken = taken + %s"
            " WHERE meal_id = %s AND key = %s AND taken + %s <= capacity RETURNING id",
            (party, meal_id, pool_key, party),
        ).fetchone()
        status = "confirmed" if seat is not None else "waitlisted"
        if seat is None:
            seat = conn.execute(
                "SELECT id FROM seat_pools WHERE meal_id = %s AND key = %s", (meal_id, pool_key)
            ).fetchone()
            if seat is None:
                raise Refusal("422 Unprocessable Entity", "not_one_of")
        row = conn.execute(
            "INSERT INTO signups (meal_id, pool_id, user_id, party_size, status, waitlist_seq,"
            " confirmed_at, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (meal_id, user_id) DO NOTHING RETURNING id",
            (meal_id, seat[0], user[0], party, status, meal[3], _if(status, now), now, now),
        ).fetchone()
        if row is None:
            raise Refusal("409 Conflict", "already_signed_up")
    return {
        "id": row[0],
        "meal_id": meal_id,
        "pool": pool_key,
        "party_size": party,
        "status": status,
        "waitlist_position": None,
        "created_at": _time(now),
    }


def _if(status: str, now: datetime) -> datetime | None:
    return now if status == "confirmed" else None


# --- WSGI -----------------------------------------------------------------------------------

ROUTES: list[tuple[str, re.Pattern[str], Callable[..., Json]]] = [
    ("GET", re.compile(r"/api/v1/neighbourhoods/(\d+)/posts"), feed),
    ("GET", re.compile(r"/api/v1/neighbourhoods/(\d+)/meals"), meal_list),
    ("GET", re.compile(r"/api/v1/meals/(\d+)"), meal_detail),
    ("POST", re.compile(r"/api/v1/meals/(\d+)/signups"), sign_up),
]
_LIMIT = re.compile(r"(?:^|&)limit=(\d{1,3})(?:&|$)")


def _respond(start_response: Callable, status: str, body: Json) -> list[bytes]:
    data = json.dumps(body, separators=(",", ":")).encode()
    start_response(
        status,
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(data))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [data]


def rest(environ: dict[str, Any], start_response: Callable) -> list[bytes]:
    path, method = environ.get("PATH_INFO", ""), environ["REQUEST_METHOD"]
    if path in ("/readyz", "/bench/ping"):
        return _respond(start_response, "200 OK", {"status": "ok"})
    for verb, pattern, view in ROUTES:
        match = pattern.fullmatch(path)
        if match is None or verb != method:
            continue
        scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        try:
            with POOL.connection() as conn:
                user = _user(conn, token.strip() if scheme.lower() == "bearer" else None)
                if user is None:
                    raise Refusal("401 Unauthorized", "unauthorized")
                if method == "POST":
                    length = int(environ.get("CONTENT_LENGTH") or 0)
                    try:
                        body = json.loads(environ["wsgi.input"].read(length) or b"{}")
                    except ValueError:
                        raise Refusal("400 Bad Request", "bad_request") from None
                    if not isinstance(body, dict):
                        raise Refusal("422 Unprocessable Entity", "invalid_input")
                    return _respond(
                        start_response, "201 Created", view(conn, user, int(match[1]), body)
                    )
                if view is meal_detail:
                    return _respond(start_response, "200 OK", view(conn, user, int(match[1])))
                found = _LIMIT.search(environ.get("QUERY_STRING", ""))
                limit = min(max(int(found[1]), 1), 100) if found else 20
                return _respond(start_response, "200 OK", view(conn, user, int(match[1]), limit))
        except Refusal as refusal:
            body = {"code": int(refusal.status[:3]), "reason": refusal.reason}
            return _respond(start_response, refusal.status, body)
    return _respond(start_response, "404 Not Found", {"code": 404, "reason": "not_found"})


# --- Socket.IO ------------------------------------------------------------------------------

_REDIS = os.environ.get("REDIS_URL") or None
_CHANNEL = f"{os.environ.get('REDIS_CHANNEL_PREFIX', 'neighbours-bare')}:socketio"
sio = socketio.Server(
    async_mode="gevent",
    client_manager=socketio.RedisManager(_REDIS, channel=_CHANNEL) if _REDIS else None,
    logger=False,
    engineio_logger=False,
)
ROOMS = """
SELECT m.neighbourhood_id, m.role FROM memberships m
WHERE m.user_id = %s AND m.status = 'active' AND NOT EXISTS (
  SELECT 1 FROM suspensions s WHERE s.user_id = m.user_id
    AND s.neighbourhood_id = m.neighbourhood_id AND s.lifted_at IS NULL AND s.ends_at > now())
"""
REPLAY = """
SELECT id, name, payload FROM events WHERE id > %s AND rooms ?| %s ORDER BY id LIMIT 1001
"""


@sio.on("connect")
def on_connect(sid: str, _environ: dict[str, Any], auth: Any = None) -> bool:
    try:
        return _connect(sid, auth if isinstance(auth, dict) else {})
    except socketio.exceptions.ConnectionRefusedError:
        raise
    except Exception as exc:  # refused, as the app refuses, rather than left unanswered
        raise socketio.exceptions.ConnectionRefusedError("server_error") from exc


def _connect(sid: str, auth: dict[str, Any]) -> bool:
    token = auth.get("token")
    after = auth.get("last_event_id")
    with POOL.connection() as conn:
        user = _user(conn, token if isinstance(token, str) else None)
        if user is None:
            raise socketio.exceptions.ConnectionRefusedError("unauthorized")
        rooms = [f"user:{user[0]}"]
        for hood, role in conn.execute(ROOMS, (user[0],)):
            rooms.append(f"neighbourhood:{hood}")
            if role == "moderator":
                rooms.append(f"moderators:{hood}")
        missed = []
        if type(after) is int and after >= 0:
            missed = conn.execute(REPLAY, (after, rooms)).fetchall()
    for room in rooms:
        sio.enter_room(sid, room)
    if missed:
        sio.start_background_task(_replay, sid, missed)
    return True


def _replay(sid: str, missed: list[tuple]) -> None:
    sio.sleep(0.01)  # after the CONNECT packet
    for event_id, name, payload in missed:
        sio.emit(name, {**payload, "event_id": event_id}, to=sid, ignore_queue=True)


app = socketio.WSGIApp(sio, rest)
