"""The bare baseline of `bench.rush_profile`: a signup with nothing but WSGI and psycopg 3.

    BARE_DATABASE_URL=postgresql://... gunicorn -k gevent -b 127.0.0.1:9302 bench.rush_bare:app

`POST /meals/<id>/signups` with a bearer token: the token's user (one SELECT), then lock the
meal row, take a seat with a conditional UPDATE (else waitlist), insert the signup, commit.
No validation, no events, no response schema: the floor the real endpoint is measured against.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable
from typing import Any

import gevent.queue
import psycopg

_URL = os.environ.get("BARE_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/h3_bench")
_POOL: gevent.queue.Queue = gevent.queue.Queue()
_MADE = [0]
_PATH = re.compile(r"^/meals/(\d+)/signups$")


def _connection() -> psycopg.Connection:
    try:
        return _POOL.get_nowait()
    except gevent.queue.Empty:
        if _MADE[0] < 60:
            _MADE[0] += 1
            return psycopg.connect(_URL)
        return _POOL.get()


def _sign_up(conn: psycopg.Connection, meal_id: int, token: str) -> dict[str, Any]:
    digest = hashlib.sha256(token.encode()).hexdigest()
    with conn.transaction():
        user_id = conn.execute(
            "SELECT user_id FROM access_tokens WHERE token_hash = %s", (digest,)
        ).fetchone()[0]
        version = conn.execute(
            "SELECT availability_version FROM meals WHERE id = %s FOR UPDATE", (meal_id,)
        ).fetchone()[0]
        conn.execute(
            "UPDATE meals SET availability_version = %s WHERE id = %s", (version + 1, meal_id)
        )
        taken = conn.execute(
            "UPDATE seat_pools SET taken = taken + 1 WHERE meal_id = %s AND key = 'table'"
            " AND taken + 1 <= capacity RETURNING id",
            (meal_id,),
        ).fetchone()
        status = "confirmed" if taken else "waitlisted"
        pool_id = taken[0] if taken else None
        if pool_id is None:
            pool_id = conn.execute(
                "SELECT id FROM seat_pools WHERE meal_id = %s AND key = 'table'", (meal_id,)
            ).fetchone()[0]
        signup_id = conn.execute(
            "INSERT INTO signups (meal_id, pool_id, user_id, party_size, status, waitlist_seq,"
            " created_at, updated_at) VALUES (%s, %s, %s, 1, %s, %s, now(), now()) RETURNING id",
            (meal_id, pool_id, user_id, status, version + 1),
        ).fetchone()[0]
    return {"id": signup_id, "status": status}


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "")
    if path == "/readyz":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]
    found = _PATH.match(path)
    if environ["REQUEST_METHOD"] != "POST" or found is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b""]
    size = int(environ.get("CONTENT_LENGTH") or 0)
    environ["wsgi.input"].read(size)
    token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")[2]
    conn = _connection()
    try:
        body = json.dumps(_sign_up(conn, int(found.group(1)), token)).encode()
    finally:
        _POOL.put(conn)
    start_response("201 Created", [("Content-Type", "application/json")])
    return [body]
