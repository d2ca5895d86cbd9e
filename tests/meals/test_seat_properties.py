"""Seat rules as properties: whatever the sequence of signups, cancellations and capacity
changes, driven through the REST API, every pool keeps

- taken <= capacity, and taken == the sum of its confirmed party sizes;
- nobody waiting who fits: every waitlisted party is larger than the seats left;
- the waitlist in order of arrival (waitlist positions 1, 2, ... follow the signups' order);

and each answer is the one the rules predict (201 confirmed when the party fits, else
waitlisted; 422 for a party larger than the whole pool; 409 for a second signup and for a
capacity below what is taken).
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

PEOPLE = 8
POOLS = ("table", "kitchen")
CAPACITY = st.integers(min_value=0, max_value=8)


def test_seat_rules_hold_for_any_sequence_of_changes(auth: Any, client: Any, kitchen: Any) -> None:
    canteen = kitchen.canteen()
    host = canteen.host
    people = [auth.member(canteen.neighbourhood) for _ in range(PEOPLE)]

    class Seats(RuleBasedStateMachine):
        """One meal per example; `arrivals` counts signups so their order can be checked."""

        @initialize(table=CAPACITY, kitchen_seats=CAPACITY)
        def a_meal(self, table: int, kitchen_seats: int) -> None:
            self.meal = kitchen.meal(canteen, pools={"table": table, "kitchen": kitchen_seats})
            self.capacity = {"table": table, "kitchen": kitchen_seats}
            self.active: dict[int, tuple[str, int, int]] = {}  # person -> (pool, size, arrival)
            self.arrivals = 0

        def availability(self) -> dict[str, dict[str, int]]:
            r = client.get(f"/api/v1/meals/{self.meal.id}", headers=host.headers)
            assert r.status_code == 200, r.get_json()
            return r.get_json()["availability"]

        @rule(
            person=st.integers(0, PEOPLE - 1), pool=st.sampled_from(POOLS), size=st.integers(1, 4)
        )
        def sign_up(self, person: int, pool: str, size: int) -> None:
            left = self.availability()[pool]["left"]
            r = client.post(
                f"/api/v1/meals/{self.meal.id}/signups",
                json={"pool": pool, "party_size": size},
                headers=people[person].headers,
            )
            if size > self.capacity[pool]:
                # A party that could never fit the pool is bad input, not a waitlist entry.
                assert r.status_code == 422, r.get_json()
                return
            if person in self.active:
                assert r.status_code == 409, r.get_json()
                return
            assert r.status_code == 201, r.get_json()
            expected = "confirmed" if size <= left else "waitlisted"
            assert r.get_json()["status"] == expected, (left, r.get_json())
            self.arrivals += 1
            self.active[person] = (pool, size, self.arrivals)

        @rule(person=st.integers(0, PEOPLE - 1))
        def cancel(self, person: int) -> None:
            r = client.delete(
                f"/api/v1/meals/{self.meal.id}/signups/me", headers=people[person].headers
            )
            if person in self.active:
                assert r.status_code == 204, r.get_json()
                del self.active[person]
            else:
                assert r.status_code == 404, r.get_json()

        @rule(pool=st.sampled_from(POOLS), capacity=CAPACITY)
        def change_capacity(self, pool: str, capacity: int) -> None:
            taken = self.availability()[pool]["taken"]
            pools = [{"key": key, "capacity": self.capacity[key]} for key in POOLS]
            pools[POOLS.index(pool)]["capacity"] = capacity
            r = client.patch(
                f"/api/v1/meals/{self.meal.id}", json={"pools": pools}, headers=host.headers
            )
            if capacity < taken:
                assert r.status_code == 409, r.get_json()
            else:
                assert r.status_code == 200, r.get_json()
                self.capacity[pool] = capacity

        @invariant()
        def seats_add_up_and_the_waitlist_is_in_order(self) -> None:
            availability = self.availability()
            r = client.get(f"/api/v1/meals/{self.meal.id}/signups?limit=100", headers=host.headers)
            assert r.status_code == 200, r.get_json()
            signups = [s for s in r.get_json()["items"] if s["status"] != "cancelled"]
            by_person = {p.id: i for i, p in enumerate(people)}
            assert {by_person[s["user"]["id"]] for s in signups} == set(self.active)
            for pool in POOLS:
                seats = availability[pool]
                mine = [s for s in signups if s["pool"] == pool]
                confirmed = [s for s in mine if s["status"] == "confirmed"]
                waiting = [s for s in mine if s["status"] == "waitlisted"]
                assert seats["capacity"] == self.capacity[pool]
                assert seats["taken"] <= seats["capacity"], (pool, seats)
                assert seats["taken"] == sum(s["party_size"] for s in confirmed), (pool, seats)
                assert seats["left"] == seats["capacity"] - seats["taken"], (pool, seats)
                assert seats["waitlist"] == len(waiting), (pool, seats)
                for s in waiting:
                    assert s["party_size"] > seats["left"], ("fits but waits", pool, seats, s)
                by_position = sorted(waiting, key=lambda s: s["waitlist_position"])
                assert [s["waitlist_position"] for s in by_position] == list(
                    range(1, len(waiting) + 1)
                ), (pool, waiting)
                arrival = [self.active[by_person[s["user"]["id"]]][2] for s in by_position]
                assert arrival == sorted(arrival), ("waitlist out of arrival order", pool, waiting)

    run_state_machine_as_test(
        Seats,
        settings=settings(
            max_examples=30,
            stateful_step_count=15,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
