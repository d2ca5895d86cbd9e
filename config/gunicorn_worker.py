"""The gunicorn worker of `config/gunicorn.conf.py`: gevent, answering its own errors as JSON.

gunicorn refuses some requests before the app sees them (a request line over
`limit_request_line`: 414; too many or too large headers: 431; a malformed request line,
header or chunk: 400) and writes an HTML page for them. This worker writes the app's one
error shape instead, `{"code", "status", "reason", "message"}`, with the API's security
headers. The request could not be read, so there is no language to negotiate (English) and no
`Origin` to answer to (no CORS headers).
"""

from __future__ import annotations

import json
import socket
from http import HTTPStatus

from gunicorn import util
from gunicorn.workers.ggevent import GeventWorker

from neighbours.reasons import for_status

# The statuses gunicorn answers itself that the app's generic reasons don't name.
_REASONS = {414: "uri_too_long", 431: "headers_too_large"}


def error_bytes(status_int: int, reason: str, message: str) -> bytes:
    """The whole HTTP response gunicorn sends for an error it raised itself."""
    try:
        status = HTTPStatus(status_int)
        phrase, description = status.phrase, status.description
    except ValueError:
        phrase, description = reason, reason
    body = json.dumps(
        {
            "code": status_int,
            "status": phrase,
            "reason": _REASONS.get(status_int) or for_status(status_int),
            "message": message or description or phrase,
        },
        separators=(",", ":"),
    ).encode()
    head = (
        f"HTTP/1.1 {status_int} {phrase}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        "Content-Language: en\r\n"
        f"Content-Length: {len(body)}\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'; base-uri 'none'\r\n"
        "Cache-Control: no-store\r\n"
        "\r\n"
    )
    return head.encode("latin-1") + body


def write_json_error(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """Drop-in for `gunicorn.util.write_error` (which writes HTML)."""
    util.write_nonblock(sock, error_bytes(status_int, reason, mesg))


class JsonErrorGeventWorker(GeventWorker):
    """gunicorn's gevent worker; errors gunicorn answers itself are JSON."""

    def init_process(self) -> None:
        # `Worker.handle_error` picks the status and message, then calls `util.write_error`:
        # this process serves only this app, so its writer is replaced for the process.
        util.write_error = write_json_error
        super().init_process()
