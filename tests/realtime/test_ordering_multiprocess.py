"""Events reach a phone in id order across two real gunicorn processes, even when the one
that committed first emits last; a gap nothing fills holds the phone up for the wait only."""

from __future__ import annotations

import threading
import time

import pytest
import requests
import socketio

from tests.realtime import servers
from tests.realtime.test_multiprocess import _wait_subscribed, hard_timeout, prefix
from tests.realtime.test_replay_multiprocess import API, Phone, _env, _new_post
from tests.support.settings import REDIS_URL

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.commits]
__all__ = ["hard_timeout", "prefix"]

WAIT = 1.0
GRACE = 4.0


def _titles(phone: Phone) -> list[str]:
    return [d["title"] for n, d in phone.events if n == "post:created"]


def test_a_slow_process_s_event_still_comes_first_and_a_lost_one_late(
    auth, prefix, hard_timeout, tmp_path
):
    quartier = auth.neighbourhood(name="Croix-Rousse")
    me, friend = auth.member(quartier), auth.member(quartier)
    order = {"EVENT_ORDER_WAIT_SECONDS": str(WAIT)}
    # The phone's process relays what was not emitted after GRACE seconds.
    first = servers.start(
        _env(prefix, EVENT_RELAY_GRACE_SECONDS=str(GRACE), **order), tmp_path, "first"
    )
    # The other commits and logs but never emits (slow, or dead between commit and emit).
    second = servers.start(
        _env(prefix, EVENT_TEST_SKIP_EMIT="1", EVENT_RELAY_SECONDS="0", **order),
        tmp_path,
        "second",
    )
    phone = Phone()
    try:
        for server in (first, second):
            servers.wait_ready(server)
        phone.connect(first, {"token": me.token})
        _wait_subscribed(prefix)
        _new_post(first, friend, quartier, "one")
        assert phone.wait(lambda e: _titles(phone) == ["one"], 3.0), phone.events

        # "two" is committed first, by the process that does not emit; "three" after it.
        _new_post(second, friend, quartier, "two")
        _new_post(first, friend, quartier, "three")
        time.sleep(0.4)
        assert _titles(phone) == ["one"], "three waits for two"
        # The slow process's emit comes at last, over Redis, as its own would.
        [one] = [d["event_id"] for n, d in phone.events if n == "post:created"]
        logged = requests.get(
            f"{first.url}{API}/events?after={one}", headers=me.headers, timeout=5
        ).json()["items"]
        [two] = [i for i in logged if i["payload"].get("title") == "two"]
        late = socketio.RedisManager(REDIS_URL or "", channel=f"{prefix}:socketio", write_only=True)
        late.emit(
            "post:created", two["payload"], room=f"neighbourhood:{quartier.id}", namespace="/"
        )
        assert phone.wait(lambda e: len(_titles(phone)) >= 3, 3.0), phone.events
        assert _titles(phone)[:3] == ["one", "two", "three"]

        # A gap nothing fills: "five" waits WAIT seconds for "four", then goes out; the relay
        # delivers "four" late.
        _new_post(second, friend, quartier, "four")
        started = time.monotonic()
        _new_post(first, friend, quartier, "five")
        assert phone.wait(lambda e: "five" in _titles(phone), 5.0), phone.events
        held = time.monotonic() - started
        assert WAIT * 0.8 <= held < GRACE, held
        assert "four" not in _titles(phone)
        assert phone.wait(lambda e: "four" in _titles(phone), GRACE + 4), first.log()[-3000:]
        titles = [t for t in _titles(phone) if t != "two"]  # the relay may send "two" again
        assert titles == ["one", "three", "five", "four"]
        ids = [d["event_id"] for n, d in phone.events if n == "post:created"]
        assert ids[:3] == sorted(ids[:3])
    finally:
        phone.client.disconnect()
        for server in (first, second):
            servers.stop(server)


def test_a_member_removed_through_a_slow_process_hears_nothing_committed_after(
    auth, prefix, hard_timeout, tmp_path
):
    """Found by the outside probe: room changes went on their own Redis channel, so a post
    committed after a removal could reach the removed member's socket on the other process
    before the removal's room change did. Now the change is logged and comes in id order."""
    quartier = auth.neighbourhood(name="Brotteaux")
    me, friend = auth.member(quartier), auth.member(quartier)
    order = {"EVENT_ORDER_WAIT_SECONDS": "4", "EVENT_RELAY_SECONDS": "0"}
    first = servers.start(_env(prefix, **order), tmp_path, "first")
    # The moderator's process is slow between its commit and its emits.
    second = servers.start(
        _env(prefix, EVENT_TEST_EMIT_DELAY_SECONDS="1.5", **order), tmp_path, "second"
    )
    phone = Phone()
    try:
        for server in (first, second):
            servers.wait_ready(server)
        phone.connect(first, {"token": me.token})
        _wait_subscribed(prefix)
        _new_post(first, friend, quartier, "before")
        assert phone.wait(lambda e: _titles(phone) == ["before"], 3.0), phone.events

        removed = threading.Thread(
            target=requests.delete,
            args=(f"{second.url}{API}/neighbourhoods/{quartier.id}/members/{me.id}",),
            kwargs={"headers": quartier.moderator.headers, "timeout": 10},
        )
        removed.start()
        time.sleep(0.5)  # committed by now; its room change is still on its way
        _new_post(first, friend, quartier, "after")
        removed.join(10)
        time.sleep(3)
        assert _titles(phone) == ["before"], phone.events
    finally:
        phone.client.disconnect()
        for server in (first, second):
            servers.stop(server)
