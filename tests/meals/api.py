"""Small helpers for driving the meals API in tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from neighbours.extensions import db
from tests.support.api import v1


def iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def sign_up(client: Any, meal: Any, actor: Any, pool: str = "table", party_size: int = 1) -> Any:
    return client.post(
        v1(f"/meals/{meal.id}/signups"),
        json={"pool": pool, "party_size": party_size},
        headers=actor.headers,
    )


def signed_up(client: Any, meal: Any, actor: Any, pool: str = "table", party_size: int = 1) -> dict:
    r = sign_up(client, meal, actor, pool, party_size)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def my_signup(client: Any, meal: Any, actor: Any) -> dict:
    r = client.get(v1(f"/meals/{meal.id}/signups/me"), headers=actor.headers)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    return {"status": body["status"], "waitlist_position": body["waitlist_position"]}


def availability(client: Any, meal: Any, actor: Any) -> dict:
    r = client.get(v1(f"/meals/{meal.id}"), headers=actor.headers)
    assert r.status_code == 200, r.get_json()
    return r.get_json()["availability"]


def notifications(client: Any, actor: Any, type_: str | None = None) -> list[dict]:
    r = client.get(v1("/notifications?limit=100"), headers=actor.headers)
    assert r.status_code == 200, r.get_json()
    items = r.get_json()["items"]
    return [n for n in items if type_ is None or n["type"] == type_]


def fresh(obj: Any) -> Any:
    """Reload a model instance from the database."""
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)
