"""The read path in-process: requests/s and SQL statements of the feed, the meal list and a meal.

    python -m bench.feed_profile [--database postgresql://postgres@127.0.0.1:5432/h2_bench]
                                 [--requests 2000] [--profile feed] [--redis redis://...]

Builds its own database (dropped and re-created: never point it at data you keep), seeds a
neighbourhood with 5,000 posts (comments and reactions on them), 200 members and 30 meals,
then calls the WSGI app directly (no network, no test client) `--requests` times per path, as
a plain member and as a moderator, and prints the statements one request runs, requests/s and
this process's CPU time per request (best of three rounds: on a busy machine the wall clock
also counts everyone else's work; the CPU time does not, but leaves out PostgreSQL's own).
`--profile PATH` (`feed`, `meals`, `meal`) runs cProfile over that path's requests and prints
the 35 costliest functions (cumulative). Rate limits are on, kept in Redis when `--redis` (or
`REDIS_URL`) is given, as in production. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bench.seed import fresh_database

POSTS = 5000
PEOPLE = 200
MEALS = 30


def _seed() -> dict[str, Any]:
    from neighbours.auth import issue_token
    from neighbours.database import utcnow
    from neighbours.extensions import db
    from neighbours.meals.models import Canteen, CanteenHost, Meal, MealStatus, SeatPool
    from neighbours.models import Membership, Neighbourhood, User
    from neighbours.neighbourhoods.models import JoinPolicy, MembershipStatus, Role

    hood = Neighbourhood(
        name="Bench",
        description="",
        city="Lyon",
        latitude=45.77,
        longitude=4.83,
        radius_m=1000,
        join_policy=JoinPolicy.OPEN,
    )
    db.session.add(hood)
    db.session.flush()
    users = [
        User(
            email=f"bench{i}@example.org",
            password_hash=None,
            display_name=f"Bench {i}",
            avatar_url=f"https://example.org/{i}.png" if i % 3 else None,
            languages=[],
            diets=["vegetarian"] if i % 5 == 0 else [],
            allergens=["nuts"] if i % 7 == 0 else [],
        )
        for i in range(PEOPLE)
    ]
    db.session.add_all(users)
    db.session.flush()
    roles = {0: Role.MODERATOR, 1: Role.HOST}
    db.session.add_all(
        Membership(
            neighbourhood_id=hood.id,
            user_id=u.id,
            role=roles.get(i, Role.MEMBER),
            status=MembershipStatus.ACTIVE,
        )
        for i, u in enumerate(users)
    )
    ids = [u.id for u in users]
    db.session.execute(
        db.text(
            """
            INSERT INTO posts (neighbourhood_id, author_id, category, title, body, status,
                               pinned, created_at, edited_at)
            SELECT :hood, (CAST(:ids AS integer[]))[1 + i % :people],
                   (ARRAY['help_request','offer','event','lost_found','lend_borrow','alert',
                          'general'])[1 + i % 7],
                   'Post ' || i, repeat('Bonjour les voisins ', 10),
                   CASE WHEN i % 97 = 0 THEN 'hidden' WHEN i % 89 = 0 THEN 'held'
                        ELSE 'published' END,
                   i % 1000 = 3, now() - make_interval(mins => i),
                   CASE WHEN i % 11 = 0 THEN now() - make_interval(mins => i - 1) END
            FROM generate_series(1, :posts) AS i
            """
        ),
        {"hood": hood.id, "ids": ids, "people": PEOPLE, "posts": POSTS},
    )
    db.session.execute(
        db.text(
            """
            INSERT INTO comments (post_id, author_id, body, status, created_at)
            SELECT p.id, (CAST(:ids AS integer[]))[1 + (p.id + k) % :people], 'Merci !',
                   CASE WHEN k = 2 THEN 'hidden' ELSE 'published' END, p.created_at
            FROM posts p, generate_series(0, 3) AS k WHERE k <= p.id % 4
            """
        ),
        {"ids": ids, "people": PEOPLE},
    )
    db.session.execute(
        db.text(
            """
            INSERT INTO reactions (post_id, user_id, kind, created_at)
            SELECT p.id, (CAST(:ids AS integer[]))[1 + (p.id * 7 + k) % :people],
                   (ARRAY['like','thanks','support'])[1 + k % 3], now()
            FROM posts p, generate_series(0, 5) AS k WHERE k <= p.id % 6
            ON CONFLICT DO NOTHING
            """
        ),
        {"ids": ids, "people": PEOPLE},
    )
    canteen = Canteen(
        neighbourhood_id=hood.id,
        name="Bench canteen",
        address="here",
        timezone="Europe/Paris",
        default_capacity=50,
    )
    db.session.add(canteen)
    db.session.flush()
    db.session.add(CanteenHost(canteen_id=canteen.id, user_id=users[1].id))
    now = utcnow()
    meals = []
    for i in range(MEALS):
        starts = now + timedelta(days=1 + i)
        meal = Meal(
            canteen_id=canteen.id,
            neighbourhood_id=hood.id,
            title=f"Meal {i}",
            menu="Soupe, pain, fromage",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            signup_closes_at=starts - timedelta(hours=1),
            allergens=["nuts", "milk"],
            diets=["vegetarian"] if i % 2 else [],
            cost_price_cents=450,
            status=MealStatus.PUBLISHED,
            availability_version=0,
        )
        meal.pools = [
            SeatPool(key="table", label="Table", capacity=50, taken=i, position=0),
            SeatPool(key="kitchen", label="Kitchen", capacity=4, taken=1, position=1),
        ]
        meals.append(meal)
    db.session.add_all(meals)
    db.session.flush()
    tokens = {"member": issue_token(users[5])[0], "moderator": issue_token(users[0])[0]}
    db.session.commit()
    db.session.execute(db.text("ANALYZE"))
    db.session.commit()
    return {"hood": hood.id, "meal": meals[3].id, "tokens": tokens}


def _reseed() -> dict[str, Any]:
    """The seeded ids of a previous run, and new tokens (only their hashes are stored)."""
    from neighbours.auth import issue_token
    from neighbours.extensions import db
    from neighbours.meals.models import Meal
    from neighbours.models import Neighbourhood, User

    hood = db.session.execute(db.select(Neighbourhood).filter_by(name="Bench")).scalar_one()
    meals = db.session.scalars(db.select(Meal.id).order_by(Meal.id)).all()
    people = {
        u.email: u
        for u in db.session.scalars(
            db.select(User).where(User.email.in_(["bench0@example.org", "bench5@example.org"]))
        )
    }
    tokens = {
        "member": issue_token(people["bench5@example.org"])[0],
        "moderator": issue_token(people["bench0@example.org"])[0],
    }
    db.session.commit()
    return {"hood": hood.id, "meal": meals[3], "tokens": tokens}


def _environ(app: Any, url: str, token: str) -> Callable[[], dict[str, Any]]:
    """A fresh WSGI environ for each call, built once (as a server parses a request)."""
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(
        path=url.split("?")[0],
        query_string=url.partition("?")[2],
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
    )
    template = builder.get_environ()
    body = template["wsgi.input"].read()

    def fresh() -> dict[str, Any]:
        environ = dict(template)
        environ["wsgi.input"] = io.BytesIO(body)
        return environ

    return fresh


def _call(app: Any, environ: dict[str, Any]) -> tuple[str, bytes]:
    status: list[str] = []

    def start_response(s: str, headers: Any, exc_info: Any = None) -> None:
        status.append(s)

    chunks = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return status[0], body


def _statements(app: Any, environ: dict[str, Any]) -> list[str]:
    from sqlalchemy import event

    from neighbours.extensions import db

    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        status, body = _call(app, environ)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert status.startswith("200"), (status, body[:300])
    return seen


def _rate(app: Any, fresh: Callable[[], dict[str, Any]], n: int) -> tuple[float, float]:
    """(requests/s over the wall clock, this process's CPU ms per request), the best of three
    rounds of n/3: on a shared machine the wall clock counts other processes' work too."""
    for _ in range(20):  # warm
        _call(app, fresh())
    best_wall, best_cpu = float("inf"), float("inf")
    rounds = 3
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(max(1, n // rounds)):
            status, _body = _call(app, fresh())
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
        assert status.startswith("200"), status
    per_round = max(1, n // rounds)
    return per_round / best_wall, best_cpu / per_round * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/neighbours_read_bench"
        ),
    )
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL"))
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", choices=["feed", "meals", "meal"])
    parser.add_argument("--only", choices=["feed", "meals", "meal"], help="time this path only")
    parser.add_argument("--show-sql", action="store_true", help="print each path's statements")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database of a previous run (new tokens)"
    )
    args = parser.parse_args()

    from config.settings import normalise_database_url

    url = normalise_database_url(args.database)
    if not args.reuse:
        fresh_database(url)
    from flask_migrate import upgrade

    from neighbours import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "REDIS_URL": args.redis,
            "RATELIMIT_STORAGE_URI": args.redis or "memory://",
            "LIMITS_ENABLED": True,
            "EVENT_RELAY_SECONDS": 0,
            "LOG_LEVEL": "WARNING",
        }
    )
    with app.app_context():
        upgrade(directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
        seed = _reseed() if args.reuse else _seed()
    hood, meal = seed["hood"], seed["meal"]
    # The second feed page: the cursor of the first.
    first = _call(
        app,
        _environ(app, f"/api/v1/neighbourhoods/{hood}/posts?limit=20", seed["tokens"]["member"])(),
    )
    import json

    cursor = json.loads(first[1])["next_cursor"]
    paths = {
        "feed": f"/api/v1/neighbourhoods/{hood}/posts?limit=20",
        "feed page 2": f"/api/v1/neighbourhoods/{hood}/posts?limit=20&after={cursor}",
        "meals": f"/api/v1/neighbourhoods/{hood}/meals?limit=20",
        "meal": f"/api/v1/meals/{meal}",
    }
    if args.profile:
        fresh = _environ(app, paths[args.profile], seed["tokens"]["member"])
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            _call(app, fresh())
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(35)
        print(out.getvalue())
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
        stats.print_stats(r"neighbours/|flask_limiter|flask_babel|flask/app|flask/ctx|limits/", 60)
        print(out.getvalue())
        return 0
    print(f"{'path':<14}{'reader':<11}{'statements':>11}{'requests/s':>12}{'CPU ms/req':>12}")
    for name, path in paths.items():
        if args.only and name != args.only:
            continue
        for reader, token in seed["tokens"].items():
            fresh = _environ(app, path, token)
            statements = _statements(app, fresh())
            rate, cpu = _rate(app, fresh, args.requests)
            print(f"{name:<14}{reader:<11}{len(statements):>11}{rate:>12.0f}{cpu:>12.2f}")
            if args.show_sql:
                for s in statements:
                    print("    ", " ".join(s.split())[:400])
    return 0


if __name__ == "__main__":
    sys.exit(main())
