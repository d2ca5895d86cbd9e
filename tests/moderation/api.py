"""Calls the moderation tests share."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.support.api import v1
from tests.support.sockets import received as received  # one helper, re-exported


def report(
    client: FlaskClient,
    actor: Any,
    target_type: str,
    target_id: int,
    reason: str = "spam",
    details: str | None = None,
) -> Any:
    body: dict[str, Any] = {"target_type": target_type, "target_id": target_id, "reason": reason}
    if details is not None:
        body["details"] = details
    return client.post(v1("/reports"), json=body, headers=actor.headers)


def reported(client: FlaskClient, actor: Any, target_type: str, target_id: int, **kw: Any) -> dict:
    r = report(client, actor, target_type, target_id, **kw)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def queue(
    client: FlaskClient, actor: Any, neighbourhood_id: int, query: str = "", code: int = 200
) -> Any:
    r = client.get(
        v1(f"/neighbourhoods/{neighbourhood_id}/moderation/queue{query}"), headers=actor.headers
    )
    assert r.status_code == code, r.get_json()
    return r.get_json()


def queue_item(client: FlaskClient, actor: Any, neighbourhood_id: int, item_id: int) -> dict:
    """One item of the queue, pending or resolved."""
    for status in ("pending", "resolved"):
        for item in queue(client, actor, neighbourhood_id, f"?status={status}&limit=100")["items"]:
            if item["id"] == item_id:
                return item
    raise AssertionError(f"item {item_id} is not in the queue")


def decide(
    client: FlaskClient, actor: Any, item_id: int, action: str, reason: str = "Decided", **kw: Any
) -> Any:
    return client.post(
        v1(f"/moderation/items/{item_id}/decide"),
        json={"action": action, "reason": reason} | kw,
        headers=actor.headers,
    )


def decided(client: FlaskClient, actor: Any, item_id: int, action: str, **kw: Any) -> dict:
    r = decide(client, actor, item_id, action, **kw)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def log(client: FlaskClient, actor: Any, neighbourhood_id: int, query: str = "") -> list[dict]:
    r = client.get(
        v1(f"/neighbourhoods/{neighbourhood_id}/moderation/log{query}"), headers=actor.headers
    )
    assert r.status_code == 200, r.get_json()
    return r.get_json()["items"]


def feed_ids(client: FlaskClient, actor: Any, neighbourhood_id: int) -> list[int]:
    r = client.get(v1(f"/neighbourhoods/{neighbourhood_id}/posts"), headers=actor.headers)
    assert r.status_code == 200, r.get_json()
    return [p["id"] for p in r.get_json()["items"]]


def notifications(client: FlaskClient, actor: Any, type_: str) -> list[dict]:
    r = client.get(v1("/notifications?limit=100"), headers=actor.headers)
    assert r.status_code == 200, r.get_json()
    return [n for n in r.get_json()["items"] if n["type"] == type_]
