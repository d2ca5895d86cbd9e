"""Conditional GETs: an `ETag` on single objects and first pages, `If-None-Match` -> 304.

A successful GET under `/api/v1/` that is not a later page (no `after` or `before` cursor)
carries a strong `ETag`: a hash of the body, the response's language and the reader (a
list's reader-specific fields — `hosting`, `my_signup`, reactions — differ anyway, but two
readers never share a validator). Sent back in `If-None-Match`, it answers 304 without a body.
Those responses are `Cache-Control: private, no-cache`: a browser or service worker may keep
them, never a shared cache, and must revalidate before each use. Everything else under
`/api/v1/` stays `no-store`, and so do the responses that carry secrets or a whole account
(`NO_STORE_PATHS`: the export, the sessions list; login and register are POSTs).
"""

from __future__ import annotations

import hashlib

from flask import Response, request

from neighbours.idempotency import caller_id
from neighbours.openapi import REVALIDATE, cacheable

CURSORS = ("after", "before")


def _eligible(response: Response) -> bool:
    return (
        cacheable(request.path, request.method)
        and response.status_code == 200
        and (response.is_json or response.mimetype == "text/calendar")
        and not response.direct_passthrough
        and not any(request.args.get(name) for name in CURSORS)
    )


def etag_of(body: bytes, language: str, reader: int | None) -> str:
    digest = hashlib.sha256()
    digest.update(f"{language}\0{reader or ''}\0".encode())
    digest.update(body)
    return digest.hexdigest()[:32]


def conditional(response: Response) -> Response:
    """Tag an eligible response and answer 304 when the client already holds it."""
    if not _eligible(response):
        return response
    language = response.headers.get("Content-Language", "")
    response.set_etag(etag_of(response.get_data(), language, caller_id()))
    response.headers["Cache-Control"] = REVALIDATE
    tag, _weak = response.get_etag()
    if tag is not None and request.if_none_match.contains_weak(tag):
        response.status_code = 304
        response.set_data(b"")
        for header in ("Content-Type", "Content-Length"):
            response.headers.pop(header, None)
    return response
