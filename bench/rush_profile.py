"""Issue 15's write path: the rush for seats, and the socket reconnect storm.

    python -m bench.rush_profile [--database postgresql://postgres@127.0.0.1:5432/h3_bench]
        [--port 9301] [--users 200] [--seats 40] [--concurrency 50] [--connects 500]
        [--bare] [--skip-connects]

Builds its own database (dropped and re-created: never point it at data you keep), seeds
members with tokens, a canteen and meals, then:

1. in-process, counts the SQL statements of one signup, one waitlist join and one cancellation
   that promotes: in all, and between the meal's lock and the COMMIT;
2. in-process, counts the statements of a socket connect (plain, with `last_event_id` that
   missed nothing, with `auth.watch`);
3. starts one production-configured gunicorn gevent worker on `--port` and rushes one meal:
   `--users` people, `--seats` seats, `--concurrency` at once (greenlets over keep-alive HTTP);
   reports signups/s, p50/p99, and checks nothing was oversold and the waitlist is in order;
4. connects `--connects` sockets at once (Engine.IO polling handshake + CONNECT) to that worker
   and reports how long they all took, and each connect's p50/p99;
5. with `--bare`, the same rush against a bare WSGI + psycopg 3 endpoint (lock the meal row,
   conditional UPDATE, INSERT, COMMIT) on `--port + 1`, for the ratio.

Bounded; not part of `make test`. Ports: the caller's (defaults in 9300-9399).
"""

from gevent import monkey

monkey.patch_all()  # the clients are greenlets; must precede every other import

import argparse  # noqa: E402
import contextlib  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from datetime import timedelta  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
import gevent.pool  # noqa: E402
import gevent.queue  # noqa: E402

from bench.seed import fresh_database  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _app(url: str, redis_url: str | None, prefix: str) -> Any:
    from neighbours import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "REDIS_URL": redis_url,
            "REDIS_CHANNEL_PREFIX": prefix,
            "LIMITS_ENABLED": False,
            "EVENT_RELAY_SECONDS": 0,
            "SOCKETIO_ASYNC_MODE": "threading",
        }
    )


def _seed(app: Any, users: int, seats: int) -> dict[str, Any]:
    from neighbours.auth import hash_password, issue_token
    from neighbours.database import utcnow
    from neighbours.extensions import db
    from neighbours.meals.models import Canteen, CanteenHost, Meal, MealStatus, SeatPool
    from neighbours.models import Membership, Neighbourhood, User
    from neighbours.neighbourhoods.models import JoinPolicy, MembershipStatus, Role

    password = hash_password("bench-password-not-secret")
    hood = Neighbourhood(
        name="Rush",
        description="",
        city="Lyon",
        latitude=45.77,
        longitude=4.83,
        radius_m=1000,
        join_policy=JoinPolicy.OPEN,
    )
    db.session.add(hood)
    db.session.flush()
    people = [
        User(
            email=f"rush{i}@example.org",
            password_hash=password,
            display_name=f"Rush {i}",
            languages=[],
            diets=[],
            allergens=["nuts"] if i % 7 == 0 else [],
        )
        for i in range(users)
    ]
    db.session.add_all(people)
    db.session.flush()
    db.session.add_all(
        Membership(
            neighbourhood_id=hood.id,
            user_id=u.id,
            role=Role.HOST if i == 0 else Role.MEMBER,
            status=MembershipStatus.ACTIVE,
        )
        for i, u in enumerate(people)
    )
    canteen = Canteen(
        neighbourhood_id=hood.id,
        name="Rush canteen",
        address="here",
        timezone="Europe/Paris",
        default_capacity=seats,
    )
    db.session.add(canteen)
    db.session.flush()
    db.session.add(CanteenHost(canteen_id=canteen.id, user_id=people[0].id))
    now = utcnow()
    meals = []
    for i in range(3):
        starts = now + timedelta(days=1 + i)
        meal = Meal(
            canteen_id=canteen.id,
            neighbourhood_id=hood.id,
            title=f"Rush meal {i}",
            menu="",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            signup_closes_at=starts - timedelta(hours=1),
            allergens=["nuts"],
            diets=[],
            cost_price_cents=450,
            status=MealStatus.PUBLISHED,
            availability_version=0,
        )
        meal.pools = [
            SeatPool(key="table", label="Table", capacity=seats if i == 0 else 2, position=0),
            SeatPool(key="kitchen", label="Kitchen", capacity=4, position=1),
        ]
        meals.append(meal)
    db.session.add_all(meals)
    db.session.flush()
    tokens = [issue_token(u)[0] for u in people]
    db.session.commit()
    db.session.execute(db.text("ANALYZE"))
    db.session.commit()
    # The meal conversations exist from publication on, as through the API.
    from neighbours.meals.conversations import sync_conversation

    for meal in meals:
        sync_conversation(meal)
    db.session.commit()
    return {"hood": hood.id, "meals": [m.id for m in meals], "tokens": tokens}


# --- statement counts, in-process ------------------------------------------------------------


class Statements:
    """Every statement the engine runs, and where the COMMITs fall."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.log: list[str] = []
        self._engine = engine
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.log.append(" ".join(statement.split()))

    def _commit(self, _conn: Any) -> None:
        self.log.append("COMMIT")

    def close(self) -> None:
        from sqlalchemy import event

        event.remove(self._engine, "before_cursor_execute", self._statement)
        event.remove(self._engine, "commit", self._commit)

    @contextlib.contextmanager
    def counting(self) -> Iterator[list[str]]:
        self.log.clear()
        seen: list[str] = []
        yield seen
        seen.extend(self.log)


def _is_meal_lock(statement: str) -> bool:
    return statement.startswith("UPDATE meals SET availability_version") or (
        "FROM meals" in statement and "FOR UPDATE" in statement
    )


def under_lock(log: list[str]) -> list[int]:
    """For each meal lock in `log`, how many statements ran after it before the COMMIT."""
    counts = []
    for i, statement in enumerate(log):
        if _is_meal_lock(statement):
            n = 0
            for later in log[i + 1 :]:
                if later == "COMMIT":
                    break
                n += 1
            counts.append(n)
    return counts


def _statement_counts(app: Any, seed: dict[str, Any]) -> dict[str, Any]:
    from neighbours.extensions import db

    client = app.test_client()
    meal = seed["meals"][1]  # 2 seats at the table
    tokens = seed["tokens"]
    out: dict[str, Any] = {}
    with app.app_context():
        recorder = Statements(db.engine)
    try:

        def post(token: str) -> list[str]:
            with recorder.counting() as log:
                r = client.post(
                    f"/api/v1/meals/{meal}/signups",
                    json={"pool": "table", "party_size": 1},
                    headers={"Authorization": f"Bearer {token}"},
                )
            assert r.status_code == 201, r.get_json()
            return log

        post(tokens[100])  # warm
        confirmed = post(tokens[101])
        waitlisted = post(tokens[102])
        with recorder.counting() as cancel:
            r = client.delete(
                f"/api/v1/meals/{meal}/signups/me",
                headers={"Authorization": f"Bearer {tokens[101]}"},
            )
        assert r.status_code == 204, r.get_json()
        for name, log in (
            ("signup (confirmed)", confirmed),
            ("signup (waitlisted)", waitlisted),
            ("cancel (promotes one)", cancel),
        ):
            out[name] = {"total": len(log), "under lock": under_lock(log), "log": log}
    finally:
        recorder.close()
    return out


def _connect_counts(app: Any, seed: dict[str, Any]) -> dict[str, Any]:
    from neighbours.extensions import db, socketio

    out: dict[str, Any] = {}
    with app.app_context():
        recorder = Statements(db.engine)
        newest = db.session.execute(db.text("SELECT coalesce(max(id), 0) FROM events")).scalar()
        db.session.remove()
    try:
        token = seed["tokens"][150]
        cases = {
            "connect": {"token": token},
            "connect, last_event_id = newest": {"token": token, "last_event_id": newest},
            "connect, watch 1 meal": {"token": token, "watch": [seed["meals"][0]]},
        }
        for name, auth in cases.items():
            with recorder.counting() as log:
                client = socketio.test_client(app, auth=auth)
                assert client.is_connected(), name
            client.disconnect()
            out[name] = {"total": len(log), "log": log}
    finally:
        recorder.close()
    return out


# --- servers -------------------------------------------------------------------------------


def _start(args: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen:
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "gunicorn", *args],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_ready(process: subprocess.Popen, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited:\n{log_path.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"server not ready:\n{log_path.read_text(errors='replace')}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


# --- load ----------------------------------------------------------------------------------


def rush(port: int, path: str, tokens: list[str], concurrency: int) -> dict[str, Any]:
    """POST a signup for each token, `concurrency` at once over keep-alive connections."""
    work: gevent.queue.Queue = gevent.queue.Queue()
    for token in tokens:
        work.put(token)
    latencies: list[float] = []
    bodies: list[dict[str, Any]] = []
    codes: dict[int, int] = {}
    body = json.dumps({"pool": "table", "party_size": 1})

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            try:
                token = work.get_nowait()
            except gevent.queue.Empty:
                break
            start = time.perf_counter()
            conn.request(
                "POST",
                path,
                body=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            response = conn.getresponse()
            data = response.read()
            latencies.append(time.perf_counter() - start)
            codes[response.status] = codes.get(response.status, 0) + 1
            with contextlib.suppress(ValueError):
                bodies.append(json.loads(data))
        conn.close()

    started = time.perf_counter()
    group = [gevent.spawn(worker) for _ in range(concurrency)]
    gevent.joinall(group, raise_error=True)
    wall = time.perf_counter() - started
    return {
        "signups/s": len(latencies) / wall,
        "p50 ms": statistics.median(latencies) * 1000,
        "p99 ms": _percentile(latencies, 0.99) * 1000,
        "max ms": max(latencies) * 1000,
        "codes": codes,
        "bodies": bodies,
    }


def _poll(conn: http.client.HTTPConnection, method: str, path: str, body: str = "") -> str:
    conn.request(method, path, body=body.encode() or None, headers={"Content-Type": "text/plain"})
    response = conn.getresponse()
    return response.read().decode()


def connect_storm(port: int, tokens: list[str], auths: list[dict[str, Any]]) -> dict[str, Any]:
    """Connect one socket per auth at once (Engine.IO polling handshake, then CONNECT), and
    time each until the server answers the CONNECT."""
    times: list[float] = []
    refused: list[str] = []
    done = gevent.event.Event()
    sids: list[str] = []

    def one(auth: dict[str, Any]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        start = time.perf_counter()
        opened = _poll(conn, "GET", "/socket.io/?EIO=4&transport=polling")
        sid = json.loads(opened[1:])["sid"]
        where = f"/socket.io/?EIO=4&transport=polling&sid={sid}"
        _poll(conn, "POST", where, "40" + json.dumps(auth))
        answer = _poll(conn, "GET", where)
        elapsed = time.perf_counter() - start
        if any(packet.startswith("40") for packet in answer.split("\x1e")):
            times.append(elapsed)
            sids.append(where)
        else:
            refused.append(answer[:120])
        done.wait()
        with contextlib.suppress(Exception):
            _poll(conn, "POST", where, "41")
        conn.close()

    started = time.perf_counter()
    group = [gevent.spawn(one, auth) for auth in auths]
    while len(times) + len(refused) < len(auths) and time.perf_counter() - started < 300:
        if any(g.dead and g.exception for g in group):
            break
        gevent.sleep(0.01)
    wall = time.perf_counter() - started
    done.set()
    gevent.joinall(group, timeout=60)
    errors = [repr(g.exception) for g in group if g.exception][:3]
    return {
        "sockets": len(times),
        "all connected in s": wall,
        "p50 ms": statistics.median(times) * 1000 if times else float("nan"),
        "p99 ms": _percentile(times, 0.99) * 1000 if times else float("nan"),
        "refused": refused[:3],
        "errors": errors,
    }


def _check_rush(app: Any, meal_id: int, seats: int, result: dict[str, Any]) -> str:
    from sqlalchemy import select

    from neighbours.extensions import db
    from neighbours.meals.models import SeatPool, Signup, SignupStatus

    with app.app_context():
        pool = db.session.execute(
            select(SeatPool).where(SeatPool.meal_id == meal_id, SeatPool.key == "table")
        ).scalar_one()
        signups = list(
            db.session.execute(
                select(Signup).where(Signup.pool_id == pool.id).order_by(Signup.waitlist_seq)
            ).scalars()
        )
        confirmed = [s for s in signups if s.status == SignupStatus.CONFIRMED]
        ok = (
            pool.taken == seats == len(confirmed)
            and all(s.status == SignupStatus.CONFIRMED for s in signups[:seats])
            and all(s.status == SignupStatus.WAITLISTED for s in signups[seats:])
        )
        positions = sorted(
            b["waitlist_position"] for b in result["bodies"] if b.get("status") == "waitlisted"
        )
        ok = ok and positions == list(range(1, len(signups) - seats + 1))
        db.session.remove()
    return "ok" if ok else f"WRONG (taken {pool.taken}, confirmed {len(confirmed)})"


def _bare_env(url: str) -> dict[str, str]:
    from sqlalchemy.engine import make_url

    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return {"BARE_DATABASE_URL": plain}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/h3_bench"
        ),
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL"))
    parser.add_argument("--port", type=int, default=9301)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seats", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--connects", type=int, default=500)
    parser.add_argument("--bare", action="store_true", help="also rush the bare endpoint")
    parser.add_argument("--skip-connects", action="store_true")
    parser.add_argument("--show-statements", action="store_true")
    args = parser.parse_args(argv)

    from config.settings import normalise_database_url

    url = normalise_database_url(args.database)
    fresh_database(url)
    from flask_migrate import upgrade

    prefix = f"neighbours-rush-{uuid.uuid4().hex[:8]}"
    app = _app(url, args.redis_url, prefix)
    people = max(args.users, args.connects) + 200
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        seed = _seed(app, people, args.seats)

    counts = _statement_counts(app, seed)
    print("statements (in-process, PostgreSQL):")
    for name, found in counts.items():
        print(
            f"  {name:<28} total {found['total']:>3}   after the meal lock: {found['under lock']}"
        )
        if args.show_statements:
            for statement in found["log"]:
                print(f"      {statement[:150]}")
    # Socket.IO's test client needs an app without the Redis queue.
    connects = _connect_counts(_app(url, None, prefix), seed)
    for name, found in connects.items():
        print(f"  {name:<34} total {found['total']:>3}")
        if args.show_statements:
            for statement in found["log"]:
                print(f"      {statement[:150]}")

    workdir = Path(tempfile.mkdtemp(prefix="neighbours-rush-"))
    env = {
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "LOG_LEVEL": "warning",
        "RATELIMIT_ENABLED": "false",
        "REDIS_CHANNEL_PREFIX": prefix,
        "GUNICORN_WORKER_CONNECTIONS": "5000",
    }
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    log_path = workdir / "gunicorn.log"
    server = _start(
        ["-c", "config/gunicorn.conf.py", "-b", f"127.0.0.1:{args.port}", "wsgi:app"],
        env,
        log_path,
    )
    code = 0
    try:
        _wait_ready(server, f"http://127.0.0.1:{args.port}/readyz", log_path)
        meal = seed["meals"][0]
        tokens = seed["tokens"][1 : 1 + args.users]
        result = rush(args.port, f"/api/v1/meals/{meal}/signups", tokens, args.concurrency)
        verdict = _check_rush(app, meal, args.seats, result)
        code |= verdict != "ok"
        print(
            f"rush: {args.users} people, {args.seats} seats, {args.concurrency} at once: "
            f"{result['signups/s']:.0f} signups/s, p50 {result['p50 ms']:.0f} ms, "
            f"p99 {result['p99 ms']:.0f} ms, max {result['max ms']:.0f} ms, "
            f"codes {result['codes']}, seats {verdict}"
        )
        if not args.skip_connects:
            first = 1 + args.users
            auths = [{"token": t} for t in seed["tokens"][first : first + args.connects // 2]] + [
                {"token": t, "last_event_id": 0, "watch": [meal]}
                for t in seed["tokens"][first : first + args.connects - args.connects // 2]
            ]
            storm = connect_storm(args.port, [], auths)
            print(
                f"connect storm: {storm['sockets']} sockets in {storm['all connected in s']:.2f} s "
                f"(p50 {storm['p50 ms']:.0f} ms, p99 {storm['p99 ms']:.0f} ms) "
                f"refused {storm['refused']} errors {storm['errors']}"
            )
    finally:
        _stop(server)
    if args.bare:
        bare_log = workdir / "bare.log"
        with app.app_context():
            from neighbours.extensions import db

            db.session.execute(db.text("DELETE FROM signups"))
            db.session.execute(db.text("UPDATE seat_pools SET taken = 0"))
            db.session.commit()
            db.session.remove()
        bare = _start(
            [
                "-k",
                "gevent",
                "-w",
                "1",
                "--worker-connections",
                "2000",
                "-b",
                f"127.0.0.1:{args.port + 1}",
                "bench.rush_bare:app",
            ],
            _bare_env(url),
            bare_log,
        )
        try:
            _wait_ready(bare, f"http://127.0.0.1:{args.port + 1}/readyz", bare_log)
            result = rush(
                args.port + 1,
                f"/meals/{seed['meals'][0]}/signups",
                seed["tokens"][1 : 1 + args.users],
                args.concurrency,
            )
            print(
                f"bare rush: {result['signups/s']:.0f} signups/s, p50 {result['p50 ms']:.0f} ms, "
                f"p99 {result['p99 ms']:.0f} ms, codes {result['codes']}"
            )
        finally:
            _stop(bare)
    return code


if __name__ == "__main__":
    sys.exit(main())
