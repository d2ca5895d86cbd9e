"""REST hot paths against PostgreSQL: the feed, the meal list, and seat signups under load.

    python -m bench.api [--database postgresql://postgres@127.0.0.1:5432/neighbours_bench]

Builds its own database (dropped and re-created: never point it at data you keep), seeds a
neighbourhood of 500 people with 5,000 posts and 30 meals, then measures in-process through the
WSGI app (no network): latency of feed and meal-list pages, and signups from 20 threads at once.
Prints each figure beside its target. Bounded in count; not part of `make test`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from datetime import timedelta
from typing import Any

from bench.seed import fresh_database

TARGETS_MS = {
    "feed page p95": 50.0,
    "meal list page p95": 50.0,
    "signup p95 (20 at once)": 250.0,
}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _seed(app: Any) -> dict[str, Any]:
    from neighbours.auth import hash_password, issue_token
    from neighbours.database import utcnow
    from neighbours.extensions import db
    from neighbours.feed.models import Category, ContentStatus, Post
    from neighbours.meals.models import Canteen, CanteenHost, Meal, MealStatus, SeatPool
    from neighbours.models import Membership, Neighbourhood, User
    from neighbours.neighbourhoods.models import JoinPolicy, MembershipStatus, Role

    password = hash_password("bench-password-not-secret")
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
            password_hash=password,
            display_name=f"Bench {i}",
            languages=[],
            diets=[],
            allergens=["nuts"] if i % 7 == 0 else [],
        )
        for i in range(500)
    ]
    db.session.add_all(users)
    db.session.flush()
    db.session.add_all(
        Membership(
            neighbourhood_id=hood.id,
            user_id=u.id,
            role=Role.HOST if i == 0 else Role.MEMBER,
            status=MembershipStatus.ACTIVE,
        )
        for i, u in enumerate(users)
    )
    now = utcnow()
    db.session.add_all(
        Post(
            neighbourhood_id=hood.id,
            author_id=users[i % 500].id,
            category=list(Category)[1 + i % 7],
            title=f"Post {i}",
            body="Bonjour " * 20,
            status=ContentStatus.PUBLISHED,
            pinned=i % 1000 == 0,
            created_at=now - timedelta(minutes=i),
        )
        for i in range(5000)
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
    db.session.add(CanteenHost(canteen_id=canteen.id, user_id=users[0].id))
    meals = []
    for i in range(30):
        starts = now + timedelta(days=1 + i)
        meal = Meal(
            canteen_id=canteen.id,
            neighbourhood_id=hood.id,
            title=f"Meal {i}",
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
        meal.pools = [SeatPool(key="table", label="Table", capacity=50, taken=0, position=0)]
        meals.append(meal)
    db.session.add_all(meals)
    db.session.flush()
    tokens = [issue_token(u)[0] for u in users]
    db.session.commit()
    db.session.execute(db.text("ANALYZE"))
    db.session.commit()
    return {"hood": hood.id, "meals": [m.id for m in meals], "tokens": tokens}


def _time_gets(client: Any, url: str, token: str, n: int) -> list[float]:
    headers = {"Authorization": f"Bearer {token}"}
    client.get(url, headers=headers)  # warm
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.get_json()
    return samples


def _signups(app: Any, meal_id: int, tokens: list[str], threads: int) -> tuple[list[float], float]:
    samples: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads)
    per_thread = len(tokens) // threads

    def work(chunk: list[str]) -> None:
        client = app.test_client()
        barrier.wait()
        for token in chunk:
            start = time.perf_counter()
            r = client.post(
                f"/api/v1/meals/{meal_id}/signups",
                json={"pool": "table"},
                headers={"Authorization": f"Bearer {token}"},
            )
            elapsed = (time.perf_counter() - start) * 1000
            assert r.status_code == 201, r.get_json()
            with lock:
                samples.append(elapsed)

    workers = [
        threading.Thread(target=work, args=(tokens[i * per_thread : (i + 1) * per_thread],))
        for i in range(threads)
    ]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=300)
    return samples, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/neighbours_bench"
        ),
    )
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    from config.settings import normalise_database_url

    url = normalise_database_url(args.database)
    fresh_database(url)
    from flask_migrate import upgrade

    from neighbours import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "REDIS_URL": None,
            "LIMITS_ENABLED": False,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 25},
        }
    )
    results: dict[str, float] = {}
    with app.app_context():
        upgrade(directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
        seed = _seed(app)
    client = app.test_client()
    feed = _time_gets(
        client,
        f"/api/v1/neighbourhoods/{seed['hood']}/posts?limit=20",
        seed["tokens"][1],
        args.requests,
    )
    results["feed page p50"] = statistics.median(feed)
    results["feed page p95"] = _percentile(feed, 0.95)
    meals = _time_gets(
        client,
        f"/api/v1/neighbourhoods/{seed['hood']}/meals?limit=20",
        seed["tokens"][2],
        args.requests,
    )
    results["meal list page p50"] = statistics.median(meals)
    results["meal list page p95"] = _percentile(meals, 0.95)
    samples, wall = _signups(app, seed["meals"][0], seed["tokens"][1:401], threads=20)
    results["signup p50 (20 at once)"] = statistics.median(samples)
    results["signup p95 (20 at once)"] = _percentile(samples, 0.95)
    throughput = len(samples) / wall

    missed = 0
    print(f"{'measure':<28}{'ms':>10}{'target':>10}")
    for name, value in results.items():
        target = TARGETS_MS.get(name)
        verdict = ""
        if target is not None:
            verdict = "ok" if value <= target else "MISSED"
            missed += value > target
        print(f"{name:<28}{value:>10.1f}{target or '':>10} {verdict}")
    print(f"signups/s (400 signups, 50 seats, 20 threads): {throughput:.0f}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
