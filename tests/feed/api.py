"""Calls the feed tests share."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.support.api import v1
from tests.support.sockets import received as received  # one helper, re-exported


def create_post(
    client: FlaskClient, actor: Any, neighbourhood_id: int, **fields: Any
) -> dict[str, Any]:
    """POST a post and return it, failing loudly if it was not created."""
    body = {"category": "general", "title": "A title", "body": "A body"} | fields
    r = client.post(
        v1(f"/neighbourhoods/{neighbourhood_id}/posts"), json=body, headers=actor.headers
    )
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def create_comment(
    client: FlaskClient, actor: Any, post_id: int, body: str = "A comment", **fields: Any
) -> dict[str, Any]:
    r = client.post(
        v1(f"/posts/{post_id}/comments"), json={"body": body} | fields, headers=actor.headers
    )
    assert r.status_code == 201, r.get_json()
    return r.get_json()
