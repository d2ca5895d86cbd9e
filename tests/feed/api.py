"""Calls the feed tests share."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

API = "/api/v1"


def create_post(
    client: FlaskClient, actor: Any, neighbourhood_id: int, **fields: Any
) -> dict[str, Any]:
    """POST a post and return it, failing loudly if it was not created."""
    body = {"category": "general", "title": "A title", "body": "A body"} | fields
    r = client.post(
        f"{API}/neighbourhoods/{neighbourhood_id}/posts", json=body, headers=actor.headers
    )
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def create_comment(
    client: FlaskClient, actor: Any, post_id: int, body: str = "A comment", **fields: Any
) -> dict[str, Any]:
    r = client.post(
        f"{API}/posts/{post_id}/comments", json={"body": body} | fields, headers=actor.headers
    )
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def received(client: Any, name: str) -> list[Any]:
    """Payloads of the `name` events this socket received since last asked."""
    return [e["args"][0] for e in client.get_received() if e["name"] == name]
