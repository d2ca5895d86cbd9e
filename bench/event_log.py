"""What the event log costs: throughput with it and without it, and a 1,000-event replay.

    python -m bench.event_log [--database URL] [--redis-url URL] [--rounds 3]

Builds its own database (dropped and re-created: never point it at data you keep), seeded as
`bench.api` seeds it (500 people, 5,000 posts, 30 meals). Two apps share it: one with the event
log (`EVENT_LOG_ENABLED`, the default) and one without (the baseline). In alternating rounds
(ABBA), each does 100 meal signups (a fresh meal each round) and 100 post creations from 20
threads at once, in-process through the WSGI app; each arm's throughput is the median over its
rounds (the machine may be busy with other work: the median and the alternation keep a burst
of it from deciding the verdict). Targets (issue 14): with the log, at least 0.9x the
baseline's throughput for both.

Then the replay: one gunicorn process (gevent, as in production) on the same database; 1,000
events are logged for a user, and a python-socketio client connects with `last_event_id`
before them. Target: all 1,000 received, in order, under a second from the start of the connect.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import socketio

from bench import servers
from bench.api import _seed
from bench.seed import fresh_database

ROOT = Path(__file__).resolve().parents[1]
THREADS = 20
PER_ROUND = 100


def _app(url: str, redis_url: str | None, log: bool) -> Any:
    from neighbours import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "REDIS_URL": redis_url,
            "REDIS_CHANNEL_PREFIX": "neighbours-bench",
            "LIMITS_ENABLED": False,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 25},
            "EVENT_LOG_ENABLED": log,
            "LOG_LEVEL": "WARNING",
        }
    )


def _burst(app: Any, requests: list[tuple[str, dict[str, Any], str]]) -> float:
    """POST each (path, body, token) from THREADS threads at once; returns requests/s."""
    chunks = [requests[i::THREADS] for i in range(THREADS)]
    barrier = threading.Barrier(THREADS + 1)
    failures: list[Any] = []

    def work(chunk: list[tuple[str, dict[str, Any], str]]) -> None:
        client = app.test_client()
        barrier.wait()
        for path, body, token in chunk:
            r = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
            if r.status_code != 201:
                failures.append(r.get_json())

    workers = [threading.Thread(target=work, args=(chunk,)) for chunk in chunks]
    for w in workers:
        w.start()
    barrier.wait()
    start = time.perf_counter()
    for w in workers:
        w.join(timeout=300)
    wall = time.perf_counter() - start
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, e.g. {failures[0]}")
    return len(requests) / wall


def _throughput(url: str, redis_url: str | None, seed: dict[str, Any], rounds: int) -> dict:
    apps = {"with the log": _app(url, redis_url, True), "without": _app(url, redis_url, False)}
    tokens = seed["tokens"]
    meals = iter(seed["meals"][1:])
    done: dict[str, dict[str, list[float]]] = {arm: {"signups": [], "posts": []} for arm in apps}
    for round_ in range(rounds):
        # Alternate which arm goes first, so neither always meets a warmer database.
        order = list(apps) if round_ % 2 == 0 else list(reversed(apps))
        for arm in order:
            app = apps[arm]
            meal = next(meals)
            signups = [
                (f"/api/v1/meals/{meal}/signups", {"pool": "table"}, tokens[1 + i])
                for i in range(PER_ROUND)
            ]
            done[arm]["signups"].append(_burst(app, signups))
            posts = [
                (
                    f"/api/v1/neighbourhoods/{seed['hood']}/posts",
                    {"category": "general", "title": f"Bench {round_} {i}", "body": "Bonjour"},
                    tokens[1 + i],
                )
                for i in range(PER_ROUND)
            ]
            done[arm]["posts"].append(_burst(app, posts))
    return done


def _replay(url: str, seed: dict[str, Any], workdir: str) -> tuple[float, int]:
    """Seconds from the start of a connect with `last_event_id` to the 1,000th event."""
    from sqlalchemy import func, select

    from neighbours.auth import issue_token
    from neighbours.extensions import db
    from neighbours.models import User
    from neighbours.realtime.models import LoggedEvent
    from neighbours.realtime.publish import publish
    from neighbours.realtime.rooms import user_room

    app = _app(url, None, True)
    with app.app_context():
        user = db.session.execute(select(User).order_by(User.id).limit(1)).scalar_one()
        token, _ = issue_token(user)
        db.session.commit()
        before = db.session.execute(select(func.max(LoggedEvent.id))).scalar() or 0
        payload = {"title": "A post as big as a real one", "body": "Bonjour " * 40}
        for start in range(0, 1000, 100):  # ten transactions of 100 events
            for n in range(start, start + 100):
                publish("post:created", {**payload, "id": n}, user_room(user.id))
            db.session.commit()
    env = {
        "DATABASE_URL": url.replace("postgresql+psycopg://", "postgresql://"),
        "REDIS_URL": "",
        "SECRET_KEY": "bench",
        "LOG_LEVEL": "warning",
        "RATELIMIT_ENABLED": "false",
    }
    server = servers.start(env, Path(workdir), "replay")
    heard: list[int] = []
    done = threading.Event()
    client = socketio.Client(reconnection=False)

    @client.on("post:created")
    def _heard(data: dict[str, Any]) -> None:
        heard.append(data["id"])
        if len(heard) == 1000:
            done.set()

    try:
        servers.wait_ready(server)
        start = time.perf_counter()
        client.connect(
            server.url,
            auth={"token": token, "last_event_id": before},
            transports=["websocket"],
            wait_timeout=10,
        )
        done.wait(30)
        elapsed = time.perf_counter() - start
    finally:
        client.disconnect()
        servers.stop(server)
    if heard != list(range(1000)):
        raise RuntimeError(f"replayed {len(heard)} events, not the 1,000 in order")
    return elapsed, len(heard)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/neighbours_bench"
        ),
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or None)
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args(argv)

    from flask_migrate import upgrade

    from config.settings import normalise_database_url

    url = normalise_database_url(args.database)
    fresh_database(url)
    setup = _app(url, None, True)
    with setup.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        seed = _seed(setup)

    done = _throughput(url, args.redis_url, seed, args.rounds)
    missed = 0
    print(f"Redis: {args.redis_url or 'none (in-process Socket.IO)'}; {args.rounds} rounds")
    print(f"{'per second':<14}{'with the log':>14}{'without':>10}{'ratio':>8}{'target':>8}")
    for what in ("signups", "posts"):
        with_log = statistics.median(done["with the log"][what])
        without = statistics.median(done["without"][what])
        ratio = with_log / without
        verdict = "ok" if ratio >= 0.9 else "MISSED"
        missed += ratio < 0.9
        print(f"{what:<14}{with_log:>14.0f}{without:>10.0f}{ratio:>8.2f}{'0.90':>8} {verdict}")
    with tempfile.TemporaryDirectory() as workdir:
        elapsed, count = _replay(url, seed, workdir)
    verdict = "ok" if elapsed < 1.0 else "MISSED"
    missed += elapsed >= 1.0
    print(
        f"replay of {count} events to a reconnecting socket: {elapsed * 1000:.0f} ms "
        f"(target < 1000 ms) {verdict}"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
