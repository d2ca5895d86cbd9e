"""The relay: what was logged but not emitted is sent, once, by one relay at a time."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from neighbours.extensions import db
from neighbours.realtime import eventlog, publish, relay
from neighbours.realtime.live import state
from neighbours.realtime.rooms import user_room
from tests.support.settings import REDIS_URL

# These publish test-only `probe` events, which the catalog does not describe.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.commits,
    pytest.mark.undescribed_events,
]


@pytest.fixture
def relays(make_app):
    """Apps on one Redis prefix whose emits are recorded (event ids), not sent."""
    prefix = f"neighbours-test-{uuid.uuid4().hex[:12]}"
    sent: list[tuple[str, int]] = []
    lock = threading.Lock()

    def build(name: str, **config):
        made = make_app(
            REDIS_URL=REDIS_URL,
            REDIS_CHANNEL_PREFIX=prefix,
            EVENT_RELAY_GRACE_SECONDS=0,
            **config,
        )

        def record(event, data, to=None, namespace=None, **_kwargs):
            time.sleep(0.005)  # a relay pass takes a while: let two of them overlap
            with lock:
                sent.append((name, data.get("event_id")))

        state(made).server.emit = record
        return made

    build.sent = sent
    return build


def _commit(app, n, *, events=1):
    with app.app_context():
        for i in range(events):
            publish.publish("probe", {"n": n + i}, user_room(1))
        db.session.commit()


def test_an_event_whose_emit_was_skipped_is_relayed_once(relays):
    skipping = relays("skipping", EVENT_TEST_SKIP_EMIT=True)
    normal = relays("normal")
    _commit(skipping, 0, events=3)  # committed, never emitted: the process "died"
    _commit(normal, 10)  # emitted and recorded
    assert [who for who, _id in relays.sent] == ["normal"]
    normal_id = relays.sent[0][1]

    assert relay.run_once(normal) == 3
    relayed = [event_id for who, event_id in relays.sent if who == "normal"][1:]
    assert len(relayed) == 3 and normal_id not in relayed
    assert relay.run_once(normal) == 0
    assert relay.run_once(skipping) == 0
    assert len(relays.sent) == 4


def test_a_redacted_event_is_never_relayed_to_everyone(relays):
    """A redacted row goes to no room: Socket.IO reads `to=[]` as a broadcast."""
    skipping = relays("skipping", EVENT_TEST_SKIP_EMIT=True)
    normal = relays("normal")
    with skipping.app_context():
        publish.publish("probe", {"n": 1}, user_room(1), subject="probe:1")
        db.session.commit()
        eventlog.redact(db.session, "probe:1")
        db.session.commit()
    assert relay.run_once(normal) == 0
    assert relays.sent == []
    assert relay.run_once(normal) == 0


def test_two_relays_never_deliver_one_event_twice(relays):
    apps = [relays(f"relay-{i}", EVENT_TEST_SKIP_EMIT=True) for i in range(2)]
    for n in range(10):
        _commit(apps[n % 2], n * 10, events=3)
    barrier = threading.Barrier(2)
    counts = [0, 0]

    def work(i: int) -> None:
        barrier.wait()
        for _ in range(20):
            counts[i] += relay.run_once(apps[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    ids = [event_id for _who, event_id in relays.sent]
    assert len(ids) == 30 and len(set(ids)) == 30, relays.sent
    assert sum(counts) == 30


def test_an_event_sent_while_redis_was_down_is_relayed_once_it_is_back(relays, make_app):
    up = relays("up")
    down = make_app(
        REDIS_URL="redis://127.0.0.1:1/0",  # nothing listens there
        REDIS_CHANNEL_PREFIX=up.config["REDIS_CHANNEL_PREFIX"],
    )
    with down.app_context():
        publish.publish("probe", {"n": 1}, user_room(1))
        db.session.commit()  # the request succeeds; the publish to Redis failed
    assert relay.run_once(up) == 1
    assert relay.run_once(up) == 0
    assert len(relays.sent) == 1
