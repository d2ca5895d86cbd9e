"""Socket.IO fan-out across processes: one emit to a room of N clients on 2 gunicorn processes.

    python -m bench.socket_fanout --clients 200

Starts two production-configured gunicorn processes (gevent, Redis message queue) on loopback,
connects N python-socketio clients spread over them, all members of one neighbourhood, and
emits to that neighbourhood's room through the app's own publish path (as a CLI command or job
would: from a third process, over Redis). Reports the delivery latency of single emits (p50,
p99, max) and, for a burst of emits in one transaction, deliveries per second.
Bounded: a deadline stops everything, and the server processes are always stopped.
"""

from gevent import monkey

monkey.patch_all()  # the clients are greenlets; must precede every other import

import argparse  # noqa: E402
import contextlib  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
import gevent.pool  # noqa: E402
import redis  # noqa: E402
import socketio  # noqa: E402

from tests.realtime import servers  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EVENT = "bench:fanout"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _prepare(database_url: str, clients: int) -> tuple[Any, int, list[str]]:
    """Migrate the database, then make one neighbourhood with `clients` members and tokens."""
    from flask_migrate import upgrade

    from neighbours import create_app
    from neighbours.accounts.models import User
    from neighbours.auth import hash_password, issue_token
    from neighbours.extensions import db
    from neighbours.neighbourhoods.models import (
        JoinPolicy,
        Membership,
        MembershipStatus,
        Neighbourhood,
        Role,
    )

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": None,
            "SECRET_KEY": "bench",
            "SOCKETIO_ASYNC_MODE": "threading",
            "LOG_LEVEL": "WARNING",
        }
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        run = uuid.uuid4().hex[:8]
        password_hash = hash_password(uuid.uuid4().hex)
        users = [
            User(
                email=f"bench-{run}-{i}@example.org",
                password_hash=password_hash,
                display_name=f"Bench {i}",
                languages=[],
                diets=[],
                allergens=[],
            )
            for i in range(clients)
        ]
        db.session.add_all(users)
        db.session.flush()
        quartier = Neighbourhood(
            name=f"Bench {run}",
            description="",
            city="Lyon",
            latitude=45.77,
            longitude=4.83,
            radius_m=1000,
            join_policy=JoinPolicy.OPEN,
            created_by_id=users[0].id,
        )
        db.session.add(quartier)
        db.session.flush()
        db.session.add_all(
            Membership(
                neighbourhood_id=quartier.id,
                user_id=u.id,
                role=Role.MODERATOR if i == 0 else Role.MEMBER,
                status=MembershipStatus.ACTIVE,
            )
            for i, u in enumerate(users)
        )
        tokens = [issue_token(u)[0] for u in users]
        db.session.commit()
        return app, quartier.id, tokens


def _emitter(database_url: str, redis_url: str, prefix: str) -> Any:
    from neighbours import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": redis_url,
            "REDIS_CHANNEL_PREFIX": prefix,
            "SECRET_KEY": "bench",
            "SOCKETIO_ASYNC_MODE": "threading",
            "LOG_LEVEL": "WARNING",
        }
    )


def _emit(app: Any, room: str, payloads: list[dict[str, Any]]) -> None:
    """Through the real path: queued on the session, sent after the commit."""
    from neighbours.extensions import db
    from neighbours.realtime.publish import publish

    with app.app_context():
        for payload in payloads:
            publish(EVENT, payload, room)
        db.session.commit()


class Receiver:
    """Arrival times of each emit, keyed by its sequence number."""

    def __init__(self) -> None:
        self.arrivals: dict[int, list[float]] = {}

    def heard(self, data: dict[str, Any]) -> None:
        now = time.monotonic()
        self.arrivals.setdefault(data["seq"], []).append(now)

    def count(self, seq: int) -> int:
        return len(self.arrivals.get(seq, []))


def _wait(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        gevent.sleep(0.005)
    return predicate()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=20, help="single emits, one at a time")
    parser.add_argument("--burst", type=int, default=20, help="emits in one transaction")
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--deadline", type=float, default=180, help="seconds for everything")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 5000 or not 1 <= args.processes <= 8:
        parser.error("--clients 1..5000, --processes 1..8")

    started = time.monotonic()
    timer = gevent.Timeout(args.deadline, TimeoutError(f"bench over its {args.deadline}s deadline"))
    timer.start()
    workdir = Path(tempfile.mkdtemp(prefix="neighbours-bench-"))
    database_url = args.database_url or f"sqlite:///{workdir}/bench.db"
    prefix = f"neighbours-bench-{uuid.uuid4().hex[:8]}"
    procs: list[servers.Server] = []
    phones: list[socketio.Client] = []
    try:
        print(f"preparing {args.clients} members ...", flush=True)
        _app, neighbourhood_id, tokens = _prepare(database_url, args.clients)
        env = {
            "DATABASE_URL": database_url,
            "REDIS_URL": args.redis_url,
            "REDIS_CHANNEL_PREFIX": prefix,
            "SECRET_KEY": "bench",
            "LOG_LEVEL": "warning",
            "RATELIMIT_ENABLED": "false",
        }
        procs = [servers.start(env, workdir, f"server{i}") for i in range(args.processes)]
        for proc in procs:
            servers.wait_ready(proc)

        receiver = Receiver()

        def connect(i: int) -> None:
            phone = socketio.Client(reconnection=False)
            phone.on(EVENT, receiver.heard)
            phone.connect(
                procs[i % len(procs)].url,
                auth={"token": tokens[i]},
                transports=["websocket"],
                wait_timeout=10,
            )
            phones.append(phone)

        t0 = time.monotonic()
        pool = gevent.pool.Pool(50)
        for i in range(args.clients):
            pool.spawn(connect, i)
        pool.join(raise_error=True)
        connect_s = time.monotonic() - t0
        print(f"connected {len(phones)} clients in {connect_s:.1f}s", flush=True)

        channel = f"{prefix}:socketio".encode()
        r = redis.Redis.from_url(args.redis_url, socket_connect_timeout=2)
        if not _wait(lambda: dict(r.pubsub_numsub(channel)).get(channel, 0) >= len(procs), 10):
            raise RuntimeError("the server processes did not subscribe to Redis")

        emitter = _emitter(database_url, args.redis_url, prefix)
        room = f"neighbourhood:{neighbourhood_id}"
        n = args.clients
        latencies: list[float] = []
        lost = 0
        for seq in range(args.rounds):
            sent = time.monotonic()
            _emit(emitter, room, [{"seq": seq}])
            _wait(lambda s=seq: receiver.count(s) >= n, 5)
            arrivals = receiver.arrivals.get(seq, [])
            lost += n - len(arrivals)
            latencies += [a - sent for a in arrivals]
            gevent.sleep(0.05)

        first = args.rounds
        seqs = list(range(first, first + args.burst))
        sent = time.monotonic()
        _emit(emitter, room, [{"seq": s} for s in seqs])
        _wait(lambda: all(receiver.count(s) >= n for s in seqs), 30)
        burst_arrivals = [a for s in seqs for a in receiver.arrivals.get(s, [])]
        burst_lost = n * len(seqs) - len(burst_arrivals)
        burst_s = (max(burst_arrivals) - sent) if burst_arrivals else float("nan")
        burst_latencies = [a - sent for a in burst_arrivals]

        print()
        print(f"clients: {n} over {len(procs)} gunicorn gevent processes, Redis queue")
        if latencies:
            print(
                f"single emit ({args.rounds} rounds, {len(latencies)} deliveries): "
                f"p50 {statistics.median(latencies) * 1000:.1f} ms, "
                f"p99 {_percentile(latencies, 0.99) * 1000:.1f} ms, "
                f"max {max(latencies) * 1000:.1f} ms, lost {lost}"
            )
        if burst_arrivals:
            print(
                f"burst ({args.burst} emits x {n} clients = {n * args.burst} deliveries): "
                f"{len(burst_arrivals) / burst_s:,.0f} deliveries/s, "
                f"all in {burst_s * 1000:.0f} ms, "
                f"p50 {statistics.median(burst_latencies) * 1000:.1f} ms, "
                f"p99 {_percentile(burst_latencies, 0.99) * 1000:.1f} ms, lost {burst_lost}"
            )
        print(f"total bench time {time.monotonic() - started:.1f}s")
        return 0 if lost == 0 and burst_lost == 0 else 1
    finally:
        timer.cancel()
        for phone in phones:
            with contextlib.suppress(Exception):
                phone.disconnect()
        for proc in procs:
            servers.stop(proc)


if __name__ == "__main__":
    sys.exit(main())
