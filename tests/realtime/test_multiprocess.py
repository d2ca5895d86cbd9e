"""Across processes, for real: two gunicorn gevent processes on PostgreSQL joined by Redis.

A phone connected to the first process hears what is caused through the second, and logout
through the second cuts its socket on the first.
"""

from __future__ import annotations

import re
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
import requests
import socketio

from neighbours.realtime.publish import publish
from neighbours.realtime.rooms import neighbourhood_room
from tests.realtime import servers
from tests.support.settings import DATABASE_URL, REDIS_URL

# Real commits: gunicorn processes read what the test writes.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.commits,
    pytest.mark.undescribed_events,  # probes
]

HARD_TIMEOUT_S = 120


@pytest.fixture
def hard_timeout() -> Iterator[None]:
    """Abort the test (and so run every finalizer) if anything hangs."""

    def expire(*_args: Any) -> None:
        raise TimeoutError(f"test exceeded its hard timeout of {HARD_TIMEOUT_S}s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(HARD_TIMEOUT_S)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def prefix() -> str:
    return f"neighbours-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def two_processes(app, hard_timeout, prefix, tmp_path) -> Iterator[list[servers.Server]]:
    """Two production-configured processes; they depend on `app`, so they are stopped before
    its teardown empties the tables they use."""
    env = {
        "DATABASE_URL": DATABASE_URL,  # this worker's database under xdist
        "REDIS_URL": REDIS_URL or "",
        "REDIS_CHANNEL_PREFIX": prefix,
        "SECRET_KEY": "multiprocess-test-secret",
        "LOG_LEVEL": "info",
        "RATELIMIT_ENABLED": "false",
        "NEIGHBOURS_ENV": "production",
    }
    env.pop("SOCKETIO_ASYNC_MODE", None)
    with servers.running(env, tmp_path, "first", "second") as started:
        yield started


class Phone:
    """A python-socketio client over websocket that records what it hears, with times."""

    def __init__(self) -> None:
        self.client = socketio.Client(reconnection=False)
        self.heard: dict[str, list[tuple[float, Any]]] = {}
        self.arrived = threading.Condition()
        self.disconnected_at: float | None = None
        self.client.on("*", self._any)
        self.client.on("disconnect", self._gone)

    def _any(self, event: str, data: Any = None) -> None:
        with self.arrived:
            self.heard.setdefault(event, []).append((time.monotonic(), data))
            self.arrived.notify_all()

    def _gone(self, *_args: Any) -> None:
        with self.arrived:
            self.disconnected_at = time.monotonic()
            self.arrived.notify_all()

    def wait_for(self, event: str, timeout: float) -> tuple[float, Any] | None:
        with self.arrived:
            self.arrived.wait_for(lambda: event in self.heard, timeout)
            return self.heard[event][0] if event in self.heard else None

    def wait_disconnected(self, timeout: float) -> float | None:
        with self.arrived:
            self.arrived.wait_for(lambda: self.disconnected_at is not None, timeout)
            return self.disconnected_at


def _wait_subscribed(prefix: str, timeout: float = 5) -> None:
    """The first process listens on both channels once a socket has connected to it."""
    r = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    channels = [f"{prefix}:socketio", f"{prefix}:control"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = dict(r.pubsub_numsub(*channels))
        if all(counts.get(c.encode(), 0) >= 1 for c in channels):
            return
        time.sleep(0.05)
    raise AssertionError(f"the first process did not subscribe to {channels}")


def test_an_approval_through_one_process_reaches_a_socket_on_the_other(
    auth, make_app, prefix, two_processes
):
    first, second = two_processes
    # gevent's worker, or the project's subclass of it (config/gunicorn_worker.py).
    worker = re.search(r"Using worker: (\S+)", first.log())
    assert worker and "gevent" in worker.group(1).lower(), "production serving is gevent"
    quartier = auth.neighbourhood(join_policy="approval", name="Pentes")
    me = auth.member(quartier, status="pending")
    moderator = quartier.moderator
    # An emitter in this test process, as a CLI command or a job would be: same Redis, prefix.
    emitter = make_app(REDIS_URL=REDIS_URL, REDIS_CHANNEL_PREFIX=prefix)

    def probe(n: int) -> None:
        with emitter.app_context():
            from neighbours.extensions import db

            publish("probe", {"n": n}, neighbourhood_room(quartier.id))
            db.session.commit()

    phone = Phone()
    try:
        phone.client.connect(
            first.url, auth={"token": me.token}, transports=["websocket"], wait_timeout=5
        )
        assert phone.client.connected
        _wait_subscribed(prefix)
        probe(1)
        assert phone.wait_for("probe", 0.5) is None, "pending: not in the neighbourhood room"

        started = time.monotonic()
        r = requests.post(
            f"{second.url}/api/v1/neighbourhoods/{quartier.id}/members/{me.id}/approve",
            headers=moderator.headers,
            timeout=5,
        )
        assert r.status_code == 200, r.text
        responded = time.monotonic()

        heard = phone.wait_for("notification:created", 1.0)
        assert heard is not None, f"no notification within 1s\n{first.log()}\n{second.log()}"
        at, notification = heard
        latency = at - started
        print(
            f"\ncross-process notification: {latency:.3f}s from request start "
            f"({responded - started:.3f}s request, {at - responded:.3f}s after the response)"
        )
        assert latency < 1.0
        assert notification["type"] == "membership_approved"
        assert notification["payload"]["neighbourhood_id"] == quartier.id
        listed = requests.get(f"{second.url}/api/v1/notifications", headers=me.headers, timeout=5)
        assert listed.json()["items"] == [
            {k: v for k, v in notification.items() if k != "event_id"}
        ]

        # The approval, made on the second process, moved the socket on the first into the
        # neighbourhood's room.
        probe(2)
        heard_probe = phone.wait_for("probe", 1.0)
        assert heard_probe is not None and heard_probe[1]["n"] == 2

        started = time.monotonic()
        r = requests.post(f"{second.url}/api/v1/auth/logout", headers=me.headers, timeout=5)
        assert r.status_code == 204, r.text
        gone = phone.wait_disconnected(2.0)
        assert gone is not None, f"socket not cut within 2s\n{first.log()}\n{second.log()}"
        print(f"cross-process logout -> disconnect: {gone - started:.3f}s")
        assert gone - started < 2.0
        assert not phone.client.connected
        # It was told why first, through the same channel as the cut.
        told = phone.wait_for("session:ended", 0.1)
        assert told is not None, "session:ended before the cut"
        assert told[1] == {"reason": "logged_out"} and told[0] <= gone
    finally:
        phone.client.disconnect()


def test_a_revoked_token_cannot_connect_to_any_process(auth, two_processes):
    me = auth.user()
    first, second = two_processes
    r = requests.post(f"{first.url}/api/v1/auth/logout", headers=me.headers, timeout=5)
    assert r.status_code == 204

    phone = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        phone.connect(second.url, auth={"token": me.token}, transports=["websocket"])
    assert not phone.connected


def test_two_neighbours_on_different_processes_chat_live(auth, prefix, two_processes):
    first, second = two_processes
    quartier = auth.neighbourhood(name="Croix-Paquet")
    ana, ben, eve = auth.member(quartier), auth.member(quartier), auth.member(quartier)
    conversation = requests.post(
        f"{first.url}/api/v1/conversations",
        json={"participant_ids": [ben.id]},
        headers=ana.headers,
        timeout=5,
    ).json()
    phones = {name: Phone() for name in ("ana", "ben", "eve")}
    try:
        phones["ana"].client.connect(
            first.url, auth={"token": ana.token}, transports=["websocket"], wait_timeout=5
        )
        phones["ben"].client.connect(
            second.url, auth={"token": ben.token}, transports=["websocket"], wait_timeout=5
        )
        phones["eve"].client.connect(
            first.url, auth={"token": eve.token}, transports=["websocket"], wait_timeout=5
        )
        _wait_subscribed(prefix)

        for sender, receiver, server, text in (
            (ana, "ben", first, "Tu as toujours la perceuse ?"),
            (ben, "ana", second, "Oui, passe à 19h."),
        ):
            for phone in phones.values():
                phone.heard.clear()
            started = time.monotonic()
            r = requests.post(
                f"{server.url}/api/v1/conversations/{conversation['id']}/messages",
                json={"body": text},
                headers=sender.headers,
                timeout=5,
            )
            assert r.status_code == 201, r.text
            heard = phones[receiver].wait_for("message:created", 1.0)
            assert heard is not None, f"{receiver} heard nothing\n{first.log()}\n{second.log()}"
            assert heard[0] - started < 1.0
            assert heard[1]["message"]["body"] == text
        assert phones["eve"].wait_for("message:created", 0.3) is None, "eve is not in it"
    finally:
        for phone in phones.values():
            phone.client.disconnect()
