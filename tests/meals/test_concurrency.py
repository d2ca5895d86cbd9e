"""Seats are never oversold and the waitlist keeps its order, under real concurrency.

Many threads hit the REST API at once against PostgreSQL; the meal's row lock and the
`taken <= capacity` CHECK are what hold, not Python. Each race is repeated to mean something.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from neighbours.extensions import db
from neighbours.meals.models import SeatPool, Signup, SignupStatus

# Real commits: requests race on several threads, each with its own connection.
pytestmark = [pytest.mark.postgres, pytest.mark.commits]

ROUNDS = 5


@pytest.fixture
def race_app(make_app: Any) -> Any:
    """An app whose pool has a connection for every thread, so they really run at once."""
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 70, "max_overflow": 0})
    return app


def race(app: Any, calls: list[Callable[[Any], Any]]) -> list[Any]:
    """Run every call on its own thread with its own test client, released together."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[Any], Any]) -> None:
        client = app.test_client()
        barrier.wait()
        try:
            results[i] = call(client)
        except Exception as exc:  # surfaced by the assertions below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a request hung"
    return results


def signup_call(meal_id: int, actor: Any, party_size: int = 1, pool: str = "table") -> Callable:
    def call(client: Any) -> Any:
        return client.post(
            f"/api/v1/meals/{meal_id}/signups",
            json={"pool": pool, "party_size": party_size},
            headers=actor.headers,
        )

    return call


def cancel_call(meal_id: int, actor: Any) -> Callable:
    def call(client: Any) -> Any:
        return client.delete(f"/api/v1/meals/{meal_id}/signups/me", headers=actor.headers)

    return call


def pool_state(meal_id: int, key: str = "table") -> tuple[SeatPool, list[Signup]]:
    db.session.expire_all()
    pool = db.session.execute(
        select(SeatPool).where(SeatPool.meal_id == meal_id, SeatPool.key == key)
    ).scalar_one()
    signups = list(
        db.session.execute(
            select(Signup).where(Signup.pool_id == pool.id).order_by(Signup.waitlist_seq)
        ).scalars()
    )
    return pool, signups


def assert_pool_invariants(pool: SeatPool, signups: list[Signup]) -> None:
    confirmed = [s for s in signups if s.status == SignupStatus.CONFIRMED]
    waiting = [s for s in signups if s.status == SignupStatus.WAITLISTED]
    assert pool.taken <= pool.capacity
    assert pool.taken == sum(s.party_size for s in confirmed)
    # Served in order: nobody still waiting would fit in the seats left.
    assert all(s.party_size > pool.capacity - pool.taken for s in waiting)
    seqs = [s.waitlist_seq for s in signups]
    assert len(seqs) == len(set(seqs)), "two signups share an arrival number"


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_fifty_at_once_for_ten_seats(race_app: Any, auth: Any, kitchen: Any, round_: int) -> None:
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen, pools={"table": 10, "kitchen": 2})
    people = [auth.member(canteen.neighbourhood) for _ in range(50)]

    responses = race(race_app, [signup_call(meal.id, p) for p in people])

    assert all(not isinstance(r, Exception) for r in responses), responses
    assert sorted({r.status_code for r in responses}) == [201]
    bodies = [r.get_json() for r in responses]
    confirmed = [b for b in bodies if b["status"] == "confirmed"]
    waiting = [b for b in bodies if b["status"] == "waitlisted"]
    assert len(confirmed) == 10
    assert len(waiting) == 40
    assert sorted(b["waitlist_position"] for b in waiting) == list(range(1, 41))
    assert all(b["waitlist_position"] is None for b in confirmed)

    pool, signups = pool_state(meal.id)
    assert pool.taken == 10
    assert_pool_invariants(pool, signups)
    # The first ten arrivals (by the order the database served them) hold the seats.
    assert [s.status for s in signups[:10]] == [SignupStatus.CONFIRMED] * 10
    assert all(s.status == SignupStatus.WAITLISTED for s in signups[10:])
    # And each response's position is its place in that order.
    position_by_id = {b["id"]: b["waitlist_position"] for b in waiting}
    assert [position_by_id[s.id] for s in signups[10:]] == list(range(1, 41))


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_mixed_party_sizes_never_overfill(
    race_app: Any, auth: Any, kitchen: Any, round_: int
) -> None:
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen, pools={"table": 10, "kitchen": 4})
    people = [auth.member(canteen.neighbourhood) for _ in range(60)]
    calls = [
        signup_call(
            meal.id, p, party_size=1 + (i * 7 + round_) % 4, pool=("table", "kitchen")[i % 2]
        )
        for i, p in enumerate(people)
    ]

    responses = race(race_app, calls)

    assert sorted({r.status_code for r in responses}) == [201], [
        r.get_json() for r in responses if r.status_code != 201
    ]
    for key, capacity in (("table", 10), ("kitchen", 4)):
        pool, signups = pool_state(meal.id, key)
        assert pool.capacity == capacity
        assert_pool_invariants(pool, signups)
        assert pool.taken >= capacity - 3, "seats were left empty while a party that fits waited"


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_cancellations_promote_in_order(
    race_app: Any, client: Any, auth: Any, kitchen: Any, round_: int
) -> None:
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen, pools={"table": 10, "kitchen": 2})
    people = [auth.member(canteen.neighbourhood) for _ in range(30)]
    for person in people:  # one at a time: arrival order is the list order
        assert signup_call(meal.id, person)(client).status_code == 201

    leaving = people[:10:2]  # five confirmed diners cancel at once
    responses = race(
        race_app,
        [cancel_call(meal.id, p) for p in leaving],
    )

    assert [r.status_code for r in responses] == [204] * 5
    pool, signups = pool_state(meal.id)
    assert pool.taken == 10
    assert_pool_invariants(pool, signups)
    by_user = {s.user_id: s for s in signups}
    # Exactly the first five on the waitlist were promoted, the rest moved up in order.
    assert [by_user[p.id].status for p in people[10:15]] == [SignupStatus.CONFIRMED] * 5
    assert [by_user[p.id].status for p in people[15:]] == [SignupStatus.WAITLISTED] * 15
    positions = [
        client.get(f"/api/v1/meals/{meal.id}/signups/me", headers=p.headers).get_json()[
            "waitlist_position"
        ]
        for p in people[15:]
    ]
    assert positions == list(range(1, 16))


def test_cancellations_and_signups_interleaved(
    race_app: Any, client: Any, auth: Any, kitchen: Any
) -> None:
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen, pools={"table": 6, "kitchen": 2})
    first = [auth.member(canteen.neighbourhood) for _ in range(12)]
    for person in first:
        assert signup_call(meal.id, person, party_size=1 + person.id % 3)(client).status_code == 201
    newcomers = [auth.member(canteen.neighbourhood) for _ in range(20)]
    calls = [cancel_call(meal.id, p) for p in first[::2]] + [
        signup_call(meal.id, p, party_size=1 + p.id % 4) for p in newcomers
    ]

    responses = race(race_app, calls)

    assert {r.status_code for r in responses} <= {201, 204}, [r.get_json() for r in responses]
    pool, signups = pool_state(meal.id)
    assert_pool_invariants(pool, signups)


def test_same_person_twice_at_once_gets_one_signup(race_app: Any, auth: Any, kitchen: Any) -> None:
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen)
    person = auth.member(canteen.neighbourhood)

    responses = race(race_app, [signup_call(meal.id, person) for _ in range(10)])

    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 9
    pool, signups = pool_state(meal.id)
    assert len(signups) == 1 and pool.taken == 1


def test_capacity_raise_races_with_signups(race_app: Any, auth: Any, kitchen: Any) -> None:
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen, pools={"table": 4, "kitchen": 1})
    people = [auth.member(canteen.neighbourhood) for _ in range(20)]

    def raise_capacity(client: Any) -> Any:
        return client.patch(
            f"/api/v1/meals/{meal.id}",
            json={"pools": [{"key": "table", "capacity": 12}]},
            headers=canteen.host.headers,
        )

    responses = race(race_app, [raise_capacity] + [signup_call(meal.id, p) for p in people])

    assert responses[0].status_code == 200, responses[0].get_json()
    pool, signups = pool_state(meal.id)
    assert pool.capacity == 12 and pool.taken == 12
    assert_pool_invariants(pool, signups)
    assert [s.status for s in signups[:12]] == [SignupStatus.CONFIRMED] * 12


def test_the_database_refuses_an_oversold_pool(app: Any, kitchen: Any) -> None:
    meal = kitchen.meal(pools={"table": 3})
    with pytest.raises(IntegrityError):
        db.session.execute(
            text("UPDATE seat_pools SET taken = capacity + 1 WHERE meal_id = :m"), {"m": meal.id}
        )
        db.session.flush()
    db.session.rollback()
