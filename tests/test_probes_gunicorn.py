"""Errors gunicorn answers itself, and chunked bodies, through a real gunicorn gevent process.

gunicorn refuses a request line over 4094 bytes (414), too many or too large headers (431)
and malformed requests (400) before the app sees them; its worker wrote an HTML page. The
worker of config/gunicorn.conf.py answers them in the one JSON error shape. A chunked body
over MAX_CONTENT_LENGTH reached the app truncated (a 400 "not valid JSON"); it is a 413.
"""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from neighbours.reasons import REASONS
from tests.realtime import servers
from tests.support.settings import DATABASE_URL

# Real commits: a gunicorn process reads the database.
pytestmark = [pytest.mark.slow, pytest.mark.commits]

LIMIT = 4096  # MAX_CONTENT_LENGTH of the server under test


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.Server]:
    env = {
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": "",
        "SECRET_KEY": "probe-test-secret",
        "NEIGHBOURS_ENV": "production",
        "RATELIMIT_ENABLED": "false",
        "MAX_CONTENT_LENGTH": str(LIMIT),
    }
    with servers.running(env, Path(tmp_path_factory.mktemp("gunicorn")), "probe") as (started,):
        yield started


def exchange(server: servers.Server, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes, read the response until the server closes: status, headers, body."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        # The server may answer and close before reading everything.
        with contextlib.suppress(OSError):
            sock.sendall(raw)
        data = b""
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", len(body)))
    return status, headers, body[:length]


def assert_json_error(response: tuple[int, dict[str, str], bytes], code: int) -> dict[str, Any]:
    status, headers, body = response
    assert status == code, (status, body[:300])
    assert headers["content-type"].startswith("application/json"), (headers, body[:300])
    assert headers.get("x-content-type-options") == "nosniff"
    payload = json.loads(body)
    assert payload["code"] == code
    assert isinstance(payload["status"], str) and payload["status"]
    assert isinstance(payload["message"], str) and payload["message"]
    assert payload["reason"] in REASONS, payload
    assert headers.get("content-language") in {"en", "fr"}, headers
    return payload


def get(path: str, *headers: bytes) -> bytes:
    return b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\n" + b"".join(headers) + b"\r\n"


@pytest.mark.parametrize(
    ("label", "raw", "code"),
    [
        ("request line over 4094 bytes", get("/healthz?" + "a" * 9000), 414),
        ("one header over 8190 bytes", get("/healthz", b"X-Big: " + b"a" * 9000 + b"\r\n"), 431),
        ("over 100 headers", get("/healthz", *[b"X-%d: a\r\n" % i for i in range(150)]), 431),
        ("a request line that is not HTTP", b"GARBAGE\r\n\r\n", 400),
        ("a header name with a space", get("/healthz", b"Bad Header: y\r\n"), 400),
    ],
)
def test_errors_gunicorn_raises_itself_are_json(
    server: servers.Server, label: str, raw: bytes, code: int
) -> None:
    payload = assert_json_error(exchange(server, raw), code)
    assert payload["reason"] == {414: "uri_too_long", 431: "headers_too_large"}.get(
        code, "bad_request"
    )


def chunked_post(path: str, body: bytes, chunk: int = 1000) -> bytes:
    chunks = b"".join(
        b"%x\r\n" % len(body[i : i + chunk]) + body[i : i + chunk] + b"\r\n"
        for i in range(0, len(body), chunk)
    )
    return (
        b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
        b"Connection: close\r\n\r\n" + chunks + b"0\r\n\r\n"
    )


def login_body(size: int) -> bytes:
    """A JSON login body of exactly `size` bytes (its email far too long: a 422)."""
    empty = json.dumps({"email": "", "password": "whatever-it-is"}).encode()
    return json.dumps({"email": "a" * (size - len(empty)), "password": "whatever-it-is"}).encode()


def test_a_chunked_body_over_the_limit_is_413(server: servers.Server) -> None:
    body = login_body(LIMIT + 1)
    assert len(body) == LIMIT + 1
    assert_json_error(exchange(server, chunked_post("/api/v1/auth/login", body)), 413)


def test_a_chunked_body_at_the_limit_is_read_whole(server: servers.Server) -> None:
    body = login_body(LIMIT)
    assert len(body) == LIMIT
    payload = assert_json_error(exchange(server, chunked_post("/api/v1/auth/login", body)), 422)
    assert "email" in payload["errors"]["json"]


def test_a_body_over_the_limit_with_content_length_is_413(server: servers.Server) -> None:
    body = login_body(LIMIT + 1)
    raw = (
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
    ) + body
    assert_json_error(exchange(server, raw), 413)


@pytest.mark.parametrize(
    ("label", "chunks"),
    [
        ("a chunk size that is not hexadecimal", b"zz\r\nabc\r\n0\r\n\r\n"),
        ("a chunk without its terminator", b"3\r\nabcXY0\r\n\r\n"),
    ],
)
def test_a_malformed_chunked_body_is_400(server: servers.Server, label: str, chunks: bytes) -> None:
    raw = (
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    ) + chunks
    assert_json_error(exchange(server, raw), 400)
