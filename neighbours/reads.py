"""The hottest reads (the feed, the meal list, a meal): sent without marshmallow, run without
a transaction.

`dumped`: dumping a page of twenty posts field by field through marshmallow cost about as much
as the rest of the request. Those reads build the same dicts by hand and send them with
`dumped`: the route keeps its `@blp.response(200, Schema)` (the OpenAPI document does not
change), and flask-smorest passes a `Response` through without dumping it again. The body is
what the schema would give, byte for byte: Flask's JSON provider writes both (keys sorted), and
each feature's tests compare the two on rich data (`tests/feed/test_feed_dump.py`,
`tests/meals/test_meal_dump.py`).

`read_only`: a request that only reads needs no transaction. On PostgreSQL's READ COMMITTED
each statement sees its own snapshot inside a transaction too, so running its statements in
autocommit answers the same, and saves the round trips of BEGIN and ROLLBACK (two of the five a
feed page made). Only for routes that write nothing, not even through a seam.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, current_app
from sqlalchemy.engine import Engine

from neighbours.extensions import db

F = TypeVar("F", bound=Callable[..., Any])


def dumped(body: Any, status: int = 200) -> Response:
    """A JSON response of a body already in its schema's shape."""
    response = current_app.json.response(body)
    response.status_code = status
    return response


def read_only(func: F) -> F:
    """Run the route's statements (its caller's token's too: put it above `login_required`)
    without a transaction. A session already begun, or bound to a connection rather than an
    engine (the tests' rolled-back transaction), is left as it is."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        session = db.session()
        if not session.in_transaction() and isinstance(session.get_bind(), Engine):
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
