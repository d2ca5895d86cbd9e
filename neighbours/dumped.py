"""Responses built without marshmallow, for the hottest reads (the feed, the meal list, a meal).

Dumping a page of twenty posts field by field through marshmallow cost about as much as the
rest of the request. Those reads build the same dicts by hand and send them with `dumped`: the
route keeps its `@blp.response(200, Schema)` (the OpenAPI document does not change), and
flask-smorest passes a `Response` through without dumping it again. The body is what the schema
would give, byte for byte: Flask's JSON provider writes both (keys sorted), and each feature's
tests compare the two on rich data (`tests/feed/test_feed_dump.py`,
`tests/meals/test_meal_dump.py`).
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app


def dumped(body: Any, status: int = 200) -> Response:
    """A JSON response of a body already in its schema's shape."""
    response = current_app.json.response(body)
    response.status_code = status
    return response
