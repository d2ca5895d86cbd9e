"""The meal's lock is held for few statements: a rush for seats is as fast as its lock allows.

Counted on PostgreSQL with real commits, in the order the app sends them: from the statement
that takes the meal's row lock (the UPDATE that bumps its availability version) to the COMMIT
that lets go of it. Everything that needs no lock (the membership, the pools, an earlier
signup, the warnings) is read before it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select

from neighbours.extensions import db
from neighbours.meals.conversations import sync_conversation
from neighbours.meals.models import Meal
from neighbours.messages.models import Conversation, Participant
from tests.support.api import v1

pytestmark = [pytest.mark.postgres, pytest.mark.commits]

# Under the lock: the signup, the seats with the availability they leave, the event log.
MOST_UNDER_LOCK = 3
# The whole request, the diner joining the meal's conversation after the commit included
# (before the lock was shortened: 27 and 20, 15 and 7 of them under the lock). The joining
# is logged (`conversation:joined`, replayed as the conversation is then): one INSERT that
# takes the log's lock, after the seat's commit and without the meal's lock.
MOST_FOR_A_CONFIRMED_SIGNUP = 19
MOST_FOR_A_WAITLISTED_SIGNUP = 12


@contextmanager
def sql_and_commits() -> Iterator[list[str]]:
    """Every statement the app's engine runs, with "COMMIT" where each transaction commits."""
    seen: list[str] = []
    engine = db.engine

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(" ".join(sql.split()))

    def commit(_conn: Any) -> None:
        seen.append("COMMIT")

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


def is_meal_lock(sql: str) -> bool:
    return sql.startswith("UPDATE meals SET availability_version") or (
        "FROM meals" in sql and "FOR UPDATE" in sql
    )


def under_lock(seen: list[str]) -> list[list[str]]:
    """For each meal lock taken, the statements after it up to its COMMIT."""
    held = []
    for i, sql in enumerate(seen):
        if is_meal_lock(sql):
            end = seen.index("COMMIT", i)
            held.append(seen[i + 1 : end])
    return held


@pytest.fixture
def meal(kitchen: Any) -> Meal:
    """A published meal with its conversation, as publishing through the API leaves it."""
    meal = kitchen.meal(pools={"table": 1, "kitchen": 2})
    sync_conversation(meal)
    db.session.commit()
    meal.signups_url = v1(f"/meals/{meal.id}/signups")  # read here: no query in the counts
    return meal


def sign_up(client: Any, meal: Meal, actor: Any) -> dict[str, Any]:
    r = client.post(meal.signups_url, json={"pool": "table"}, headers=actor.headers)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_a_confirmed_signup_holds_the_meal_lock_for_three_statements(
    client: Any, auth: Any, meal: Meal
) -> None:
    diner = auth.member(meal.canteen_obj.neighbourhood)

    with sql_and_commits() as seen:
        body = sign_up(client, meal, diner)

    assert body["status"] == "confirmed"
    [held] = under_lock(seen)
    assert len(held) <= MOST_UNDER_LOCK, held
    assert held[0].startswith("INSERT INTO signups"), held
    assert held[1].startswith("UPDATE seat_pools"), held
    # The event log's lock is taken by its INSERT, not by a statement of its own.
    assert held[2].startswith("INSERT INTO events") and "pg_advisory_xact_lock" in held[2]
    assert len([s for s in seen if s != "COMMIT"]) <= MOST_FOR_A_CONFIRMED_SIGNUP, seen
    # The diner joined the meal's conversation (after the seat's commit).
    db.session.expire_all()
    assert db.session.execute(
        select(Participant.left_at)
        .join(Conversation, Conversation.id == Participant.conversation_id)
        .where(Conversation.meal_id == meal.id, Participant.user_id == diner.id)
    ).one() == (None,)


def test_a_waitlisted_signup_holds_the_meal_lock_for_three_statements(
    client: Any, auth: Any, meal: Meal
) -> None:
    first, second = (auth.member(meal.canteen_obj.neighbourhood) for _ in range(2))
    sign_up(client, meal, first)

    with sql_and_commits() as seen:
        body = sign_up(client, meal, second)

    assert body["status"] == "waitlisted" and body["waitlist_position"] == 1
    [held] = under_lock(seen)
    assert len(held) <= MOST_UNDER_LOCK, held
    assert held[0].startswith("INSERT INTO signups"), held
    assert held[1].startswith("SELECT seat_pools"), held
    assert len([s for s in seen if s != "COMMIT"]) <= MOST_FOR_A_WAITLISTED_SIGNUP, seen
    # A waitlisted person does not join the conversation.
    assert not any("conversation_participants" in s for s in seen), seen


def test_a_second_signup_is_refused_before_the_lock(client: Any, auth: Any, meal: Meal) -> None:
    diner = auth.member(meal.canteen_obj.neighbourhood)
    sign_up(client, meal, diner)

    with sql_and_commits() as seen:
        r = client.post(meal.signups_url, json={"pool": "table"}, headers=diner.headers)

    assert r.status_code == 409 and r.get_json()["reason"] == "already_signed_up"
    assert under_lock(seen) == []


def test_a_signup_after_a_cancellation_takes_up_the_same_row(
    client: Any, auth: Any, meal: Meal
) -> None:
    diner = auth.member(meal.canteen_obj.neighbourhood)
    first = sign_up(client, meal, diner)
    r = client.delete(meal.signups_url + "/me", headers=diner.headers)
    assert r.status_code == 204

    with sql_and_commits() as seen:
        again = sign_up(client, meal, diner)

    assert again["id"] == first["id"] and again["status"] == "confirmed"
    [held] = under_lock(seen)
    assert len(held) <= MOST_UNDER_LOCK, held
    # Back in the conversation it left when cancelling.
    db.session.expire_all()
    assert db.session.execute(
        select(Participant.left_at)
        .join(Conversation, Conversation.id == Participant.conversation_id)
        .where(Conversation.meal_id == meal.id, Participant.user_id == diner.id)
    ).one() == (None,)
