"""Calls the moderation tests share."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

API = "/api/v1"


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
    return client.post(f"{API}/reports", json=body, headers=actor.headers)


def reported(client: FlaskClient, actor: Any, target_type: str, target_id: int, **kw: Any) -> dict:
    r = report(client, actor, target_type, target_id, **kw)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def queue(
    client: FlaskClient, actor: Any, neighbourhood_id: int, query: str = "", code: int = 200
) -> Any:
    r = client.get(
        f"{API}/neighbourhoods/{neighbourhood_id}/moderation/queue{query}", headers=actor.headers
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
        f"{API}/moderation/items/{item_id}/decide",
        json={"action": action, "reason": reason} | kw,
        headers=actor.headers,
    )


def decided(client: FlaskClient, actor: Any, item_id: int, action: str, **kw: Any) -> dict:
    r = decide(client, actor, item_id, action, **kw)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def log(client: FlaskClient, actor: Any, neighbourhood_id: int, query: str = "") -> list[dict]:
    r = client.get(
        f"{API}/neighbourhoods/{neighbourhood_id}/moderation/log{query}", headers=actor.headers
    )
    assert r.status_code == 200, r.get_json()
    return r.get_json()["items"]


def feed_ids(client: FlaskClient, actor: Any, neighbourhood_id: int) -> list[int]:
    r = client.get(f"{API}/neighbourhoods/{neighbourhood_id}/posts", headers=actor.headers)
    assert r.status_code == 200, r.get_json()
    return [p["id"] for p in r.get_json()["items"]]


def notifications(client: FlaskClient, actor: Any, type_: str) -> list[dict]:
    r = client.get(f"{API}/notifications?limit=100", headers=actor.headers)
    assert r.status_code == 200, r.get_json()
    return [n for n in r.get_json()["items"] if n["type"] == type_]


def received(socket: Any, name: str) -> list[Any]:
    return [e["args"][0] for e in socket.get_received() if e["name"] == name]
