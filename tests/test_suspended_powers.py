"""A suspension suspends powers, not only posting: a suspended moderator moderates nothing and
a suspended host hosts nothing until it ends (an outside probe found both kept every power),
and both come back by themselves when it ends, with no event to wait for."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.neighbourhoods.models import Suspension
from tests.support.api import v1


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def _suspend(neighbourhood_id: int, user_id: int, *, ended: bool = False) -> None:
    ends = utcnow() + (timedelta(seconds=-1) if ended else timedelta(days=3))
    db.session.add(
        Suspension(neighbourhood_id=neighbourhood_id, user_id=user_id, ends_at=ends, reason="t")
    )
    db.session.commit()


@pytest.fixture
def world(auth: Any, client: Any) -> dict[str, Any]:
    a = auth.neighbourhood()
    other_moderator = auth.member(a, role="moderator", name="Other moderator")
    host = auth.member(a, role="host", name="Host")
    member = auth.member(a, name="Member")
    canteen = _ok(
        client.post(
            v1(f"/neighbourhoods/{a.id}/canteens"),
            json={"name": "Cantine", "address": "1 rue Neuve, Lyon", "default_capacity": 10},
            headers=a.moderator.headers,
        ),
        201,
    )
    hosts = v1(f"/canteens/{canteen['id']}/hosts/{host.id}")
    _ok(client.post(hosts, headers=a.moderator.headers), 201)
    starts = utcnow() + timedelta(days=2)
    meal = {
        "title": "Soupe",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
    }
    draft = _ok(
        client.post(v1(f"/canteens/{canteen['id']}/meals"), json=meal, headers=host.headers), 201
    )
    published = _ok(
        client.post(v1(f"/canteens/{canteen['id']}/meals"), json=meal, headers=host.headers), 201
    )
    _ok(client.post(v1(f"/meals/{published['id']}/publish"), headers=host.headers))
    signup = _ok(
        client.post(v1(f"/meals/{published['id']}/signups"), json={}, headers=member.headers), 201
    )
    return {
        "n": a.id,
        "moderator": a.moderator,
        "other_moderator": other_moderator,
        "host": host,
        "member": member,
        "canteen": canteen["id"],
        "draft": draft["id"],
        "meal": published["id"],
        "signup": signup["id"],
    }


def moderator_actions(w: dict[str, Any]) -> list[tuple[str, str, dict | None]]:
    n = w["n"]
    return [
        ("GET", f"/neighbourhoods/{n}/moderation/queue", None),
        ("GET", f"/neighbourhoods/{n}/moderation/log", None),
        ("GET", f"/neighbourhoods/{n}/moderation/settings", None),
        ("PATCH", f"/neighbourhoods/{n}/moderation/settings", {"report_threshold": 5}),
        ("POST", f"/neighbourhoods/{n}/invites", None),
        ("PATCH", f"/neighbourhoods/{n}/members/{w['other_moderator'].id}", {"role": "member"}),
        ("DELETE", f"/neighbourhoods/{n}/members/{w['member'].id}", None),
    ]


def host_actions(w: dict[str, Any]) -> list[tuple[str, str, dict | None]]:
    starts = utcnow() + timedelta(days=3)
    meal = {
        "title": "Encore",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
    }
    return [
        ("GET", f"/meals/{w['meal']}/signups", None),
        ("PATCH", f"/meals/{w['draft']}", {"title": "Changed"}),
        ("POST", f"/canteens/{w['canteen']}/meals", meal),
        ("POST", f"/meals/{w['draft']}/publish", None),
        ("POST", f"/signups/{w['signup']}/check-in", {"attendance": "attended"}),
        ("POST", f"/meals/{w['meal']}/cancel", {"reason": "Ha ha, no dinner for you"}),
    ]


def _refused(client: Any, actor: Any, actions: list[tuple[str, str, dict | None]]) -> list[str]:
    allowed = []
    for method, path, body in actions:
        response = client.open(v1(path), method=method, json=body, headers=actor.headers)
        if response.status_code not in (403, 404):
            allowed.append(f"{method} {path}: {response.status_code}")
    return allowed


def test_a_suspended_moderator_moderates_nothing(client: Any, world: dict[str, Any]) -> None:
    _suspend(world["n"], world["moderator"].id)
    assert _refused(client, world["moderator"], moderator_actions(world)) == []
    # The other moderator, not suspended, still moderates.
    queue = client.get(
        v1(f"/neighbourhoods/{world['n']}/moderation/queue"),
        headers=world["other_moderator"].headers,
    )
    assert queue.status_code == 200


def test_a_suspended_host_hosts_nothing(client: Any, world: dict[str, Any]) -> None:
    _suspend(world["n"], world["host"].id)
    assert _refused(client, world["host"], host_actions(world)) == []
    # Still appointed: the canteen lists them, and powers come back when the suspension ends.
    canteen = _ok(client.get(v1(f"/canteens/{world['canteen']}"), headers=world["member"].headers))
    assert world["host"].id in [h["id"] for h in canteen["hosts"]]


def test_powers_come_back_when_the_suspension_ends(client: Any, world: dict[str, Any]) -> None:
    _suspend(world["n"], world["host"].id, ended=True)
    _suspend(world["n"], world["moderator"].id, ended=True)
    _ok(client.get(v1(f"/meals/{world['meal']}/signups"), headers=world["host"].headers))
    _ok(
        client.get(
            v1(f"/neighbourhoods/{world['n']}/moderation/queue"),
            headers=world["moderator"].headers,
        )
    )
