"""The app against a bare baseline, path by path, in one run: `make bench` (issue 15).

    python -m bench.versus [--quick] [--only feed,meals,meal,signup,fanout,storm]
                           [--rounds 3] [--database URL] [--redis-url URL] [--port-base N]

Builds its own database (`--database`, default `neighbours_bench`: dropped and re-created,
never point it at data you keep; `bench.seed` says what is in it), then starts two gunicorn
gevent processes of the app (`wsgi:app`) and two of the bare baseline (`bench.bare:app`: the
same work on psycopg 3 with no framework), all with `config/gunicorn.conf.py`, on that database
and one Redis (each group on its own channel). For each path, rounds alternate between them
(app then bare, then bare then app, ...); each figure is the median of its rounds, and the
ratio is app/bare of those medians, so a burst of other work on the machine moves both.

Paths (the load generator is `bench.load`: gevent, keep-alive; the sockets are Node's
socket.io-client, `bench.sockets`):

- feed: `GET /neighbourhoods/{id}/posts` (20 posts), 32 connections, 400 readers in turn.
- meals, meal: the meal list page and one meal's detail, measured like the feed.
- signup: 200 people rush the 40 seats of one meal, 50 at once (a fresh meal each rush).
- fanout: 1,000 sockets over the 2 processes; one post at a time to their neighbourhood's
  room, each delivery's latency from the emit (published on Redis) to the client.
- storm: 3,000 sockets connect at once, as after a restart, each with
  `auth: {token, last_event_id}` naming the newest logged event (so every connect runs the
  replay check and misses nothing): time from the first connect's start to the last one
  connected; then one post at a time to the 3,000.
- memory: the resident size of each server process at 1,000 and at 3,000 sockets.

Exit status 1 when a goal is missed or a request failed. Not part of `make test`.
"""

from gevent import monkey

monkey.patch_all()  # the load generator's connections are greenlets; before other imports

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import psycopg  # noqa: E402

from bench import load, profile, servers, sockets  # noqa: E402
from bench.report import Figure, print_table  # noqa: E402
from bench.seed import PEOPLE, Seed, build  # noqa: E402

PATHS = ("feed", "meals", "meal", "signup", "fanout", "storm")
# A socket of the storm not connected by then counts as refused (the "before" storm
# took 16-18 s).
STORM_TIMEOUT = 60.0
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Settings:
    rounds: int = 3
    seconds: float = 5.0  # measured per HTTP round, after a 1 s warm-up
    connections: int = 32
    rushes: int = 2  # signup rushes per round
    rush_people: int = 200
    rush_concurrency: int = 50
    fanout_sockets: int = 1000
    fanout_posts: int = 20
    storm_sockets: int = 3000
    storm_posts: int = 10


@dataclass
class Arm:
    name: str
    group: list[servers.Server]
    emitter: sockets.Emitter | None = None
    figures: dict[str, list[float]] = field(default_factory=dict)
    bad: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ports(self) -> list[int]:
        return [s.port for s in self.group]

    def add(self, key: str, value: float) -> None:
        self.figures.setdefault(key, []).append(value)

    def fail(self, count: int, note: str) -> None:
        """Requests or deliveries that failed: said at once, again after the table, and the
        run's exit status is 1."""
        self.bad += count
        self.notes.append(note)
        print(f"  {self.name}: {note}", flush=True)


def _http(arm: Arm, seed: Seed, path: str, s: Settings) -> None:
    readers = seed.readers(400)
    hood = seed.hood
    meals = seed.list_meals[:20]

    def request(i: int, n: int) -> bytes:
        port = arm.ports[i % len(arm.ports)]
        token = readers[(i * 131 + n) % len(readers)]
        url = {
            "feed": f"/api/v1/neighbourhoods/{hood}/posts",
            "meals": f"/api/v1/neighbourhoods/{hood}/meals",
            "meal": f"/api/v1/meals/{meals[(i + n) % len(meals)]}",
        }[path]
        return load.request_bytes("GET", url, port, token)

    res = load.closed_loop(arm.ports, request, connections=s.connections, seconds=s.seconds)
    arm.add(f"{path} rate", res.throughput)
    arm.add(f"{path} p99", res.p(0.99))
    arm.add("generator cpu", res.cpu / res.wall)
    if res.bad:
        arm.fail(res.bad, f"{path}: {res.failures} no answer, statuses {res.statuses}")


def _signup(arm: Arm, seed: Seed, s: Settings) -> None:
    tokens = seed.readers(s.rush_people)
    latencies: list[float] = []
    wall = 0.0
    body = b'{"pool": "table"}'
    for _ in range(s.rushes):
        meal = seed.rush_meals.pop(0)
        raws = [
            load.request_bytes(
                "POST", f"/api/v1/meals/{meal}/signups", arm.ports[i % 2], tokens[i], body
            )
            for i in range(len(tokens))
        ]
        res = load.burst(arm.ports, raws, concurrency=s.rush_concurrency)
        latencies += res.latencies
        wall += res.wall
        if res.bad:
            arm.fail(res.bad, f"signup: {res.failures} no answer, statuses {res.statuses}")
        with psycopg.connect(seed.url) as conn:
            taken, capacity, confirmed = conn.execute(
                "SELECT p.taken, p.capacity, (SELECT count(*) FROM signups s"
                " WHERE s.meal_id = p.meal_id AND s.status = 'confirmed')"
                " FROM seat_pools p WHERE p.meal_id = %s",
                (meal,),
            ).fetchone()
        if not taken == confirmed == capacity:
            arm.fail(1, f"signup: meal {meal}: {capacity} seats, {taken} taken, {confirmed} in")
    arm.add("signup rate", len(latencies) / wall)
    arm.add("signup p99", load.percentile(latencies, 0.99))


def _targets(arm: Arm, seed: Seed, n: int, extra: dict[str, Any]) -> list:
    urls = [server.url for server in arm.group]
    return [(urls[i % len(urls)], {"token": seed.tokens[i], **extra}) for i in range(n)]


def _rss(arm: Arm) -> float:
    return statistics.mean(servers.rss_mb(server) for server in arm.group)


def _fanout(arm: Arm, seed: Seed, s: Settings, clients: sockets.Clients) -> None:
    assert arm.emitter is not None
    n = s.fanout_sockets
    done = clients.connect(_targets(arm, seed, n, {}), concurrency=100, timeout=60)
    try:
        if done["connected"] != n:
            arm.fail(n - done["connected"], f"fanout: refused {done['errors']}")
        time.sleep(1.0)
        arm.add("rss 1000", _rss(arm))
        room = f"neighbourhood:{seed.hood}"
        latencies, lost = sockets.fan_out(
            clients, arm.emitter, room, done["connected"], range(s.fanout_posts), 0.1
        )
        if lost:
            arm.fail(lost, f"fanout: {lost} deliveries lost")
        arm.add("fanout p99", load.percentile(latencies, 0.99))
        arm.add("fanout p50", load.percentile(latencies, 0.5))
    finally:
        clients.disconnect()


def _storm(arm: Arm, seed: Seed, s: Settings, clients: sockets.Clients) -> None:
    assert arm.emitter is not None
    n = s.storm_sockets
    with psycopg.connect(seed.url) as conn:
        newest = conn.execute("SELECT max(id) FROM events").fetchone()[0]
    targets = _targets(arm, seed, n, {"last_event_id": newest})
    done = clients.connect(targets, concurrency=0, timeout=STORM_TIMEOUT)
    try:
        if done["connected"] != n:
            arm.fail(n - done["connected"], f"storm: {n} connects, refused {done['errors']}")
        if done["dropped"]:
            arm.fail(sum(done["dropped"].values()), f"storm: then closed {done['dropped']}")
        arm.add("storm seconds", done["seconds"])
        arm.add("storm client cpu", done["cpu_seconds"])
        time.sleep(1.0)
        arm.add("rss 3000", _rss(arm))
        room = f"neighbourhood:{seed.hood}"
        latencies, lost = sockets.fan_out(
            clients, arm.emitter, room, done["connected"], range(s.storm_posts), 0.2
        )
        if lost:
            arm.fail(lost, f"fanout to {n}: {lost} deliveries lost")
        arm.add("fanout3000 p99", load.percentile(latencies, 0.99))
    finally:
        clients.disconnect()


# `--profile DIR` (`bench.profile`): py-spy records the app's first worker in each app round.
PROFILE: dict[str, Any] = {"dir": None, "svg": False}


def _rounds(arms: list[Arm], rounds: int, measure: Callable[[Arm], None], label: str) -> None:
    """Alternate the arms (ABBA...), each round starting once every server is quiet."""
    everyone = [server for arm in arms for server in arm.group]
    for r in range(rounds):
        for arm in arms if r % 2 == 0 else list(reversed(arms)):
            waited = servers.settle(everyone)
            started = time.monotonic()
            pid = servers.worker_pid(arm.group[0]) if PROFILE["dir"] and arm.name == "app" else None
            out = Path(PROFILE["dir"] or ".") / f"{label}-{r + 1}.txt"
            with profile.recording(pid, out, svg=PROFILE["svg"]):
                measure(arm)
            took = time.monotonic() - started
            print(f"  {label} round {r + 1}: {arm.name} in {took:.1f}s (after {waited:.1f}s quiet)")


def _figures(app: Arm, bare: Arm, paths: list[str]) -> list[Figure]:
    figures: list[Figure] = []

    def add(key: str, label: str, unit: str, goal: str | None, higher_is_better: bool) -> None:
        if key in app.figures and key in bare.figures:
            figures.append(
                Figure(label, unit, app.figures[key], bare.figures[key], goal, higher_is_better)
            )

    feed_goal = {"rate": ">= 0.60", "p99": "<= 2.00"}
    labels = {"feed": "feed page", "meals": "meal list page", "meal": "meal detail"}
    for path in ("feed", "meals", "meal"):
        if path in paths:
            add(f"{path} rate", f"{labels[path]}, 32 conn", "req/s", feed_goal["rate"], True)
            add(f"{path} p99", "  p99", "ms", feed_goal["p99"], False)
    add("signup rate", "signup rush 200 -> 40 seats, 50 at once", "/s", ">= 0.50", True)
    add("signup p99", "  p99", "ms", "<= 3.00", False)
    add("fanout p99", "one post to 1,000 sockets, p99", "ms", "<= 1.25", False)
    add("fanout p50", "  p50", "ms", None, False)
    add("rss 1000", "  memory per process at 1,000", "MB", None, False)
    add("storm seconds", "3,000 sockets connect at once", "s", "<= 1.50", False)
    add("fanout3000 p99", "one post to 3,000 sockets, p99", "ms", "<= 1.25", False)
    add("rss 3000", "  memory per process at 3,000", "MB", None, False)
    return figures


def _preflight(seed: Seed) -> None:
    """Say what could make the figures wrong: a busy machine, too few database connections."""
    load1, load5, _ = os.getloadavg()
    cores = os.cpu_count() or 1
    print(f"load average {load1:.1f} (5 min {load5:.1f}) on {cores} cores")
    if load5 > cores:
        print("warning: the machine is busy with other work: expect noisy figures")
    with psycopg.connect(seed.url) as conn:
        limit = int(conn.execute("SHOW max_connections").fetchone()[0])
        used = conn.execute("SELECT count(*) FROM pg_stat_activity").fetchone()[0]
    # 4 server processes, each up to 15 connections (pool of 5 + 10 overflow).
    if limit - used < 4 * 15 + 5:
        print(
            f"warning: PostgreSQL has {limit - used} free connections of {limit}; the servers "
            "may take up to 60: some requests may fail with 'too many clients'"
        )


def _raise_file_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 16384:
        wanted = hard if hard == resource.RLIM_INFINITY else min(hard, 65536)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < 8192:
        print("warning: `ulimit -n` is under 8192: 3,000 sockets may not fit", flush=True)


def run(args: argparse.Namespace, s: Settings, paths: list[str]) -> int:
    _raise_file_limit()
    servers.use_ports_from(args.port_base)
    want_sockets = bool({"fanout", "storm"} & set(paths))
    if want_sockets:
        sockets.ensure_installed()
    rush_meals = s.rounds * 2 * s.rushes if "signup" in paths else 0
    started = time.monotonic()
    print(f"seeding {args.database} ...", flush=True)
    seed = build(args.database, rush_meals=rush_meals)
    print(f"seeded in {time.monotonic() - started:.0f}s")
    _preflight(seed)
    run_id = uuid.uuid4().hex[:8]
    env = {
        "DATABASE_URL": seed.url,
        "REDIS_URL": args.redis_url,
        "SECRET_KEY": "bench",
        "NEIGHBOURS_ENV": "production",
        "LOG_LEVEL": "warning",
    }
    workdir = Path(tempfile.mkdtemp(prefix="neighbours-versus-"))
    arms: list[Arm] = []
    clients: sockets.Clients | None = None
    try:
        for name, start in (("app", servers.start), ("bare", servers.start_bare)):
            group_env = {**env, "REDIS_CHANNEL_PREFIX": f"bench-{name}-{run_id}"}
            group = [start(group_env, workdir, f"{name}{i}") for i in range(2)]
            arms.append(Arm(name, group, sockets.Emitter(args.redis_url, f"bench-{name}-{run_id}")))
        for arm in arms:
            for server in arm.group:
                servers.wait_ready(server)
        for arm in arms:
            arm.add("rss idle", _rss(arm))
        print(f"servers up: app {arms[0].ports}, bare {arms[1].ports}; logs in {workdir}")
        for path in ("feed", "meals", "meal"):
            if path in paths:
                _rounds(arms, s.rounds, lambda a, p=path: _http(a, seed, p, s), path)
        if "signup" in paths:
            _rounds(arms, s.rounds, lambda a: _signup(a, seed, s), "signup")
        if want_sockets:
            clients = sockets.Clients()
            if "fanout" in paths:
                _rounds(arms, s.rounds, lambda a: _fanout(a, seed, s, clients), "fanout")
            if "storm" in paths:
                _rounds(arms, s.rounds, lambda a: _storm(a, seed, s, clients), "storm")
    finally:
        if clients is not None:
            clients.close()
        for arm in arms:
            for server in arm.group:
                servers.stop(server)
    app, bare = arms
    figures = _figures(app, bare, paths)
    missed = print_table(figures, rounds=s.rounds)
    for arm in arms:
        cpu = arm.figures.get("generator cpu")
        share = f"; load generator at {statistics.median(cpu):.0%} of a core" if cpu else ""
        print(f"{arm.name}: idle {arm.figures['rss idle'][0]:.0f} MB per process{share}")
    failed = app.bad + bare.bad
    for arm in arms:
        for note in arm.notes:
            print(f"FAILED ({arm.name}) {note}")
    _save(args, s, paths, arms)
    print(f"total {time.monotonic() - started:.0f}s")
    return 1 if missed or failed else 0


def _save(args: argparse.Namespace, s: Settings, paths: list[str], arms: list[Arm]) -> None:
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    data = {
        "settings": s.__dict__,
        "paths": paths,
        "arms": {arm.name: arm.figures for arm in arms},
    }
    (out / f"versus-{stamp}.json").write_text(json.dumps(data, indent=1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/neighbours_bench"
        ),
        help="dropped and re-created",
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    )
    parser.add_argument("--quick", action="store_true", help="1 round, shorter measures")
    parser.add_argument("--only", default=",".join(PATHS), help=f"comma-separated: {PATHS}")
    parser.add_argument("--rounds", type=int, help="rounds per arm (default 3; quick 1)")
    parser.add_argument("--seconds", type=float, help="per HTTP round (default 5; quick 2)")
    parser.add_argument("--storm-sockets", type=int, default=3000)
    parser.add_argument(
        "--port-base",
        type=int,
        default=int(os.environ.get("BENCH_PORT_BASE") or 0),
        help="servers on consecutive ports from this one (default: BENCH_PORT_BASE, else free)",
    )
    parser.add_argument(
        "--profile", metavar="DIR", help="py-spy the app in its rounds (see bench.profile)"
    )
    parser.add_argument("--svg", action="store_true", help="with --profile: flame graphs too")
    args = parser.parse_args(argv)
    if args.profile:
        if not profile.available():
            parser.error("--profile needs py-spy: .venv/bin/pip install py-spy")
        PROFILE.update(dir=args.profile, svg=args.svg)
    paths = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = set(paths) - set(PATHS)
    if unknown or not paths:
        parser.error(f"--only takes some of {', '.join(PATHS)}")
    if not 1 <= args.storm_sockets <= PEOPLE:
        parser.error(f"--storm-sockets 1..{PEOPLE}")
    s = Settings(storm_sockets=args.storm_sockets)
    if args.quick:
        s.rounds, s.seconds, s.rushes, s.fanout_posts, s.storm_posts = 1, 2.0, 1, 5, 3
    s.rounds = args.rounds or s.rounds
    s.seconds = args.seconds or s.seconds
    s.fanout_sockets = min(s.fanout_sockets, s.storm_sockets)
    if args.database.startswith("postgresql+psycopg://"):
        args.database = args.database.replace("postgresql+psycopg://", "postgresql://", 1)
    return run(args, s, paths)


if __name__ == "__main__":
    sys.exit(main())
