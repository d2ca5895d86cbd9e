"""Never miss an event, across two real gunicorn processes on PostgreSQL and Redis.

A phone drops its socket, things happen through the other process, and it reconnects with
the last `event_id` it saw: it gets exactly what it missed, in order, then live events, none
twice. A process that commits but never emits still gets its events delivered by the relay.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import requests
import socketio

from tests.realtime import servers
from tests.realtime.test_multiprocess import _wait_subscribed, hard_timeout, prefix
from tests.support.settings import DATABASE_URL, REDIS_URL

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.commits]
__all__ = ["hard_timeout", "prefix"]

API = "/api/v1"


def _env(prefix: str, **extra: str) -> dict[str, str]:
    return {
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL or "",
        "REDIS_CHANNEL_PREFIX": prefix,
        "SECRET_KEY": "replay-test-secret",
        "RATELIMIT_ENABLED": "false",
        "NEIGHBOURS_ENV": "production",
        "EVENT_RELAY_SECONDS": "0.5",
        "EVENT_RELAY_GRACE_SECONDS": "1",
        **extra,
    }


class Phone:
    """A socket that keeps every event it hears, in order."""

    def __init__(self) -> None:
        self.client = socketio.Client(reconnection=False)
        self.events: list[tuple[str, Any]] = []
        self.arrived = threading.Condition()
        self.client.on("*", self._any)

    def _any(self, event: str, data: Any = None) -> None:
        with self.arrived:
            self.events.append((event, data))
            self.arrived.notify_all()

    def connect(self, server: servers.Server, auth: dict[str, Any]) -> None:
        self.client.connect(server.url, auth=auth, transports=["websocket"], wait_timeout=5)
        assert self.client.connected

    def wait(self, test: Any, timeout: float) -> bool:
        with self.arrived:
            return self.arrived.wait_for(lambda: test(self.events), timeout)

    def ids(self) -> list[int]:
        return [d["event_id"] for _n, d in self.events if isinstance(d, dict) and "event_id" in d]


def _post(server: servers.Server, actor: Any, path: str, **body: Any) -> dict[str, Any]:
    r = requests.post(f"{server.url}{API}{path}", json=body, headers=actor.headers, timeout=5)
    assert r.status_code in (200, 201), r.text
    return r.json()


def _new_post(server: servers.Server, actor: Any, hood: Any, title: str) -> dict[str, Any]:
    return _post(
        server, actor, f"/neighbourhoods/{hood.id}/posts", category="general", title=title, body="."
    )


def test_a_reconnecting_phone_gets_exactly_what_it_missed_then_live_events(
    auth, prefix, hard_timeout, tmp_path
):
    quartier = auth.neighbourhood(name="Pentes")
    elsewhere = auth.neighbourhood(name="Vaise")
    me, friend = auth.member(quartier), auth.member(quartier)
    auth.member(elsewhere, me)
    with servers.running(_env(prefix), tmp_path, "first", "second") as (first, second):
        conversation = _post(second, friend, "/conversations", participant_ids=[me.id])
        phone = Phone()
        try:
            phone.connect(first, {"token": me.token})
            _wait_subscribed(prefix)
            _new_post(second, friend, quartier, "before")
            assert phone.wait(lambda e: any(n == "post:created" for n, _d in e), 2.0)
            seen = phone.ids()[-1]
            phone.client.disconnect()

            # Offline: seven things through the other process.
            _new_post(second, friend, quartier, "missed 1")
            _post(second, friend, f"/conversations/{conversation['id']}/messages", body="coucou")
            _new_post(second, elsewhere.moderator, elsewhere, "not mine 1")
            r = requests.delete(
                f"{second.url}{API}/neighbourhoods/{elsewhere.id}/members/{me.id}",
                headers=elsewhere.moderator.headers,
                timeout=5,
            )
            assert r.status_code in (200, 204), r.text
            _new_post(second, elsewhere.moderator, elsewhere, "not mine 2")
            _new_post(second, friend, quartier, "missed 2")
            missed = requests.get(
                f"{second.url}{API}/events?after={seen}", headers=me.headers, timeout=5
            ).json()
            assert missed["reset"] is False
            expected = [(i["name"], i["payload"]) for i in missed["items"]]
            titles = [p.get("title") for n, p in expected if n == "post:created"]
            assert titles == ["missed 1", "missed 2"]
            assert any(n == "message:created" for n, _p in expected)

            phone = Phone()
            phone.connect(first, {"token": me.token, "last_event_id": seen})
            assert phone.wait(lambda e: len(e) >= len(expected), 3.0), phone.events
            assert phone.events == expected, "exactly what it missed, in order"
            _new_post(second, friend, quartier, "live")
            assert phone.wait(lambda e: len(e) > len(expected), 2.0)
            time.sleep(1.5)  # anything else (a duplicate, a relayed copy) would arrive by now
            assert phone.events[len(expected) :] == [
                (n, d) for n, d in phone.events[len(expected) :] if d.get("title") == "live"
            ]
            assert len(phone.events) == len(expected) + 1
            ids = phone.ids()
            assert ids == sorted(set(ids)) and ids[0] > seen
            assert not any(
                isinstance(d, dict) and d.get("neighbourhood_id") == elsewhere.id
                for _n, d in phone.events
            ), "nothing of a neighbourhood I was removed from"
        finally:
            phone.client.disconnect()


def test_an_event_committed_but_never_emitted_is_relayed_within_seconds(
    auth, prefix, hard_timeout, tmp_path
):
    quartier = auth.neighbourhood(name="Guillotière")
    me, friend = auth.member(quartier), auth.member(quartier)
    first = servers.start(_env(prefix), tmp_path, "first")
    # The second commits and logs, then "dies" before emitting (the test hook).
    second = servers.start(
        _env(prefix, EVENT_TEST_SKIP_EMIT="1", EVENT_RELAY_SECONDS="0"), tmp_path, "second"
    )
    phone = Phone()
    try:
        for server in (first, second):
            servers.wait_ready(server)
        phone.connect(first, {"token": me.token})
        _wait_subscribed(prefix)
        started = time.monotonic()
        post = _new_post(second, friend, quartier, "lost in transit")
        assert phone.wait(lambda e: any(n == "post:created" for n, _d in e), 5.0), (
            f"not relayed\n{first.log()[-3000:]}"
        )
        print(f"\nrelayed after {time.monotonic() - started:.2f}s")
        time.sleep(1.5)
        created = [d for n, d in phone.events if n == "post:created"]
        assert len(created) == 1 and created[0]["id"] == post["id"], "once"
        assert "relayed 1 events" in first.log()
    finally:
        phone.client.disconnect()
        for server in (first, second):
            servers.stop(server)
