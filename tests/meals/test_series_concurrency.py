"""Meal series under real concurrency on PostgreSQL: generation from several workers at once
never duplicates a date, and a series edit racing signups never oversells a pool."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from neighbours.extensions import db
from neighbours.meals.models import Meal, SeatPool, Signup, SignupStatus
from neighbours.meals.series import extend_series
from tests.meals.series_support import create, meals_of, noon_utc, today
from tests.meals.test_concurrency import race, signup_call

# Real commits: workers and requests race on several threads, each with its own connection.
pytestmark = [pytest.mark.postgres, pytest.mark.commits]

ROUNDS = 3


@pytest.fixture
def race_app(make_app: Any) -> Any:
    return make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 16, "max_overflow": 0})


def test_two_workers_extending_at_once_create_each_meal_once(race_app, api, kitchen):
    canteen = kitchen.canteen()
    starts_on = today() + timedelta(days=60)  # beyond the window: created with no meal
    series = [create(api, canteen, starts_on=starts_on.isoformat()) for _ in range(3)]
    assert all(meals_of(s["id"]) == [] for s in series)
    later = noon_utc(starts_on - timedelta(days=1))

    for round_ in range(ROUNDS):
        now = later + timedelta(days=round_)
        barrier = threading.Barrier(4)
        created: list[Any] = []

        def worker(at=now, barrier=barrier, created=created) -> None:
            with race_app.app_context():
                barrier.wait()
                try:
                    created.append(extend_series(at))
                except Exception as exc:  # surfaced below
                    created.append(exc)
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert all(isinstance(n, int) for n in created), created
        # Each date once, whoever made it: 27 + 1 a day, for each series.
        assert sum(created) == (27 if round_ == 0 else 1) * len(series), (round_, created)
        for s in series:
            dates = [m.occurrence_date for m in meals_of(s["id"])]
            assert len(dates) == len(set(dates)) == 27 + round_
        duplicates = db.session.execute(
            select(Meal.series_id, Meal.occurrence_date)
            .where(Meal.series_id.is_not(None))
            .group_by(Meal.series_id, Meal.occurrence_date)
            .having(func.count() > 1)
        ).all()
        assert duplicates == []


def test_a_series_edit_racing_signups_never_oversells(race_app, api, auth, kitchen):
    canteen = kitchen.canteen()
    series = create(api, canteen, count=2, pools=[{"key": "table", "capacity": 10}])
    meal_ids = [m.id for m in meals_of(series["id"])]
    host = canteen.host

    def shrink(capacity: int) -> Any:
        def call(client: Any) -> Any:
            return client.patch(
                f"/api/v1/series/{series['id']}",
                json={"pools": [{"key": "table", "capacity": capacity}]},
                headers=host.headers,
            )

        return call

    for round_ in range(ROUNDS):
        diners = [auth.member(canteen.neighbourhood) for _ in range(12)]
        calls = [signup_call(meal_ids[i % 2], diner) for i, diner in enumerate(diners)]
        calls.insert(6, shrink(4 + round_))
        results = race(race_app, calls)

        statuses = [getattr(r, "status_code", r) for r in results]
        assert all(s in (200, 201) for s in statuses), statuses
        db.session.expire_all()
        for meal_id in meal_ids:
            pool = db.session.execute(
                select(SeatPool).where(SeatPool.meal_id == meal_id, SeatPool.key == "table")
            ).scalar_one()
            confirmed = db.session.execute(
                select(func.coalesce(func.sum(Signup.party_size), 0)).where(
                    Signup.pool_id == pool.id, Signup.status == SignupStatus.CONFIRMED
                )
            ).scalar_one()
            assert pool.taken == confirmed <= pool.capacity, (round_, pool.taken, pool.capacity)
            # The smaller capacity held unless more seats were already taken.
            assert pool.capacity == max(4 + round_, pool.taken)
        # Everyone cancels, for the next round.
        for diner in diners:
            for meal_id in meal_ids:
                api.delete(f"/meals/{meal_id}/signups/me", as_=diner)
        api.patch(f"/series/{series['id']}", json={"pools": [{"key": "table", "capacity": 10}]},
                  as_=host)  # fmt: skip
