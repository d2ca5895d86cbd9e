"""The meal list and a meal are built without marshmallow (`meals.reading`): byte for byte what
the schemas give of the views, and a bounded number of statements whoever reads them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import select, update

from neighbours.accounts.models import User
from neighbours.database import utcnow
from neighbours.meals.models import Canteen, Meal, SeatPool, Signup
from neighbours.meals.schemas import MealDetailSchema, MealPageSchema
from neighbours.meals.views import meal_view, meal_views
from neighbours.messages.services import sync_meal_conversation
from neighbours.moderation.models import Suspension
from neighbours.neighbourhoods.models import Membership, Role

DAY = timedelta(days=1)


@pytest.fixture
def table(db, auth, kitchen):
    """Two canteens of one neighbourhood (one hosted by `host`, one with coordinates), meals in
    every status, pools with and without start times, full ones with waitlists, the reader's
    confirmed, waitlisted and cancelled signups, diets and allergens that clash, a conversation."""
    plateau = kitchen.canteen()
    neighbourhood = plateau.neighbourhood
    host = plateau.host
    other = kitchen.canteen(neighbourhood)
    db.session.execute(
        update(Canteen)
        .where(Canteen.id == other.id)
        .values(latitude=45.7712, longitude=4.8301, currency="CHF", name="Chez « Zoé » 🍲")
    )
    reader = auth.member(
        neighbourhood, name="Léa", allergens=["nuts", "milk"], diets=["vegetarian", "halal"]
    )
    others = [auth.member(neighbourhood) for _ in range(4)]
    meals = []
    for i in range(9):
        canteen = plateau if i % 2 else other
        meal = kitchen.meal(
            canteen,
            starts_in=timedelta(hours=-3) if i == 0 else DAY * i,
            pools={"table": 2, "kitchen": 1} if i % 3 else {"table": 3},
            allergens=[["nuts"], ["milk", "gluten"], []][i % 3],
            cost_price_cents=450 + i,
        )
        meals.append(meal)
    db.session.execute(update(Meal).where(Meal.id == meals[1].id).values(diets=[]))
    db.session.execute(
        update(Meal)
        .where(Meal.id == meals[2].id)
        .values(status="cancelled", cancel_reason="Plus de gaz", cancelled_at=utcnow())
    )
    db.session.execute(update(Meal).where(Meal.id == meals[3].id).values(status="draft"))
    db.session.execute(
        update(Meal).where(Meal.id == meals[4].id).values(availability_version=2**40)
    )
    db.session.execute(
        update(SeatPool)
        .where(SeatPool.meal_id == meals[5].id, SeatPool.key == "table")
        .values(starts_at=utcnow() + DAY * 5 - timedelta(minutes=30))
    )
    seq = 0

    def signup(meal, who, status, pool="table", party=1):
        nonlocal seq
        seq += 1
        pool_row = next(p for p in meal.pools if p.key == pool)
        db.session.add(
            Signup(
                meal_id=meal.id,
                pool_id=pool_row.id,
                user_id=who.id,
                party_size=party,
                status=status,
                waitlist_seq=seq,
            )
        )
        if status == "confirmed":
            pool_row.taken += party

    for meal in (meals[5], meals[6], meals[7]):
        signup(meal, others[0], "confirmed", party=2)
        signup(meal, others[1], "waitlisted")
    signup(meals[5], reader, "waitlisted")  # second in line
    signup(meals[7], reader, "confirmed", pool="kitchen")
    signup(meals[6], reader, "cancelled")
    signup(meals[8], reader, "confirmed", party=2)
    signup(meals[0], reader, "confirmed")
    db.session.commit()
    sync_meal_conversation(
        meals[8].id,
        title=meals[8].title,
        neighbourhood_id=neighbourhood.id,
        participant_ids={host.id, reader.id},
    )
    db.session.commit()
    return {
        "neighbourhood": neighbourhood.id,
        "meals": [m.id for m in meals],
        "reader": reader,
        "host": host,
        "moderator": neighbourhood.moderator,
        "outsider": others[2],
        "plateau": plateau.id,
    }


def _json(dumped) -> bytes:
    return current_app.json.response(dumped).get_data()


def _expected_page(db, reader_id, page) -> bytes:
    """What `MealPageSchema` dumps of the views of the same meals (the route before)."""
    db.session.expunge_all()
    user = db.session.get(User, reader_id)
    ids = [item["id"] for item in page["items"]]
    meals = {m.id: m for m in db.session.scalars(select(Meal).where(Meal.id.in_(ids)))}
    views = meal_views(user, [meals[i] for i in ids])
    return _json(MealPageSchema().dump({"items": views, "next_cursor": page["next_cursor"]}))


def _expected_meal(db, reader_id, meal_id) -> bytes:
    db.session.expunge_all()
    user = db.session.get(User, reader_id)
    return _json(MealDetailSchema().dump(meal_view(user, db.session.get(Meal, meal_id))))


@pytest.mark.parametrize("who", ["reader", "host", "moderator"])
@pytest.mark.parametrize("query", ["limit=3", "limit=100", "limit=100&from=2000-01-01T00:00Z"])
def test_the_list_is_the_schemas_byte_for_byte(client, db, table, who, query):
    actor = table[who]
    url = f"/api/v1/neighbourhoods/{table['neighbourhood']}/meals?{query}"
    seen = []
    while url:
        r = client.get(url, headers=actor.headers)
        assert r.status_code == 200, r.get_json()
        page = r.get_json()
        assert r.get_data() == _expected_page(db, actor.id, page), page
        seen += page["items"]
        cursor = page["next_cursor"]
        url = (
            f"/api/v1/neighbourhoods/{table['neighbourhood']}/meals?{query}&after={cursor}"
            if cursor
            else ""
        )
    assert len(seen) >= 6
    if who == "reader":
        # The data is as rich as it claims.
        assert {m["my_signup"] is None for m in seen} == {True, False}
        assert {(m["my_signup"] or {}).get("waitlist_position") for m in seen} >= {None, 2}
        assert {m["is_host"] for m in seen} == {False}
        assert {bool(m["warnings"]) for m in seen} == {True, False}
        assert {bool(m["unsuited_diets"]) for m in seen} == {True}
        assert {m["canteen"]["latitude"] is None for m in seen} == {True, False}
        assert any(pool["waitlist"] for m in seen for pool in m["availability"].values())
    if who == "host":
        assert {m["is_host"] for m in seen} == {True, False}
    if "from" in query:
        assert "done" in {m["status"] for m in seen}


@pytest.mark.parametrize("who", ["reader", "host", "moderator"])
def test_a_meal_is_the_schemas_byte_for_byte(client, db, table, who):
    actor = table[who]
    shown = 0
    for meal_id in table["meals"]:
        r = client.get(f"/api/v1/meals/{meal_id}", headers=actor.headers)
        if r.status_code == 404:  # the draft, for all but its canteen's host
            assert meal_id == table["meals"][3] and who != "host"
            continue
        assert r.status_code == 200, r.get_json()
        assert r.get_data() == _expected_meal(db, actor.id, meal_id), r.get_json()
        shown += 1
    assert shown == (9 if who == "host" else 8)


def test_a_site_admin_sees_the_draft_and_hosts_everything(client, db, auth, table):
    admin = auth.user(is_admin=True)
    draft = table["meals"][3]
    r = client.get(f"/api/v1/meals/{draft}", headers=admin.headers)
    assert r.status_code == 200 and r.get_json()["is_host"] is True
    assert r.get_data() == _expected_meal(db, admin.id, draft)
    url = f"/api/v1/neighbourhoods/{table['neighbourhood']}/meals?limit=100"
    r = client.get(url, headers=admin.headers)
    assert r.status_code == 200
    assert r.get_data() == _expected_page(db, admin.id, r.get_json())


# --- statements ---------------------------------------------------------------------------


def _counted(client, count_queries, db, url, actor):
    db.session.expunge_all()
    with count_queries() as statements:
        r = client.get(url, headers=actor.headers)
    return r, statements


@pytest.mark.parametrize("who", ["reader", "host", "moderator"])
def test_the_list_and_a_meal_cost_three_statements_with_authentication(
    client, db, table, count_queries, who
):
    actor = table[who]
    base = f"/api/v1/neighbourhoods/{table['neighbourhood']}/meals?limit=3"
    r, statements = _counted(client, count_queries, db, base, actor)
    assert r.status_code == 200 and len(r.get_json()["items"]) == 3
    assert len(statements) <= 3, statements
    r, statements = _counted(
        client, count_queries, db, f"{base}&after={r.get_json()['next_cursor']}", actor
    )
    assert r.status_code == 200 and r.get_json()["items"]
    assert len(statements) <= 3, statements
    for meal_id in table["meals"]:
        r, statements = _counted(client, count_queries, db, f"/api/v1/meals/{meal_id}", actor)
        assert r.status_code in (200, 404)
        assert len(statements) <= 3, statements


def test_outsiders_and_the_suspended_are_told_as_before(client, db, table):
    """Membership comes with the token's statement: an outsider still gets 403 on the list and
    404 on a meal, and a suspended host loses the draft at once."""
    neighbourhood = table["neighbourhood"]
    outsider = table["outsider"]
    db.session.execute(
        update(Membership)
        .where(Membership.user_id == outsider.id, Membership.neighbourhood_id == neighbourhood)
        .values(status="left")
    )
    db.session.commit()
    r = client.get(f"/api/v1/neighbourhoods/{neighbourhood}/meals", headers=outsider.headers)
    assert r.status_code == 403
    assert (
        client.get(f"/api/v1/meals/{table['meals'][1]}", headers=outsider.headers).status_code
        == 404
    )
    draft = f"/api/v1/meals/{table['meals'][3]}"
    assert client.get(draft, headers=table["host"].headers).status_code == 200
    db.session.add(
        Suspension(neighbourhood_id=neighbourhood, user_id=table["host"].id, ends_at=utcnow() + DAY)
    )
    db.session.commit()
    assert client.get(draft, headers=table["host"].headers).status_code == 404


def test_a_host_demoted_between_two_requests_loses_the_draft_at_once(client, db, table):
    draft = f"/api/v1/meals/{table['meals'][3]}"
    assert client.get(draft, headers=table["host"].headers).status_code == 200
    db.session.execute(
        update(Membership)
        .where(
            Membership.user_id == table["host"].id,
            Membership.neighbourhood_id == table["neighbourhood"],
        )
        .values(role=Role.MEMBER)
    )
    db.session.commit()
    assert client.get(draft, headers=table["host"].headers).status_code == 404
    # Appointed again as a host of the canteen and given the role back: it shows again.
    db.session.execute(
        update(Membership)
        .where(
            Membership.user_id == table["host"].id,
            Membership.neighbourhood_id == table["neighbourhood"],
        )
        .values(role=Role.HOST)
    )
    # (The appointment row was kept: only the role changed.)
    db.session.commit()
    assert client.get(draft, headers=table["host"].headers).status_code == 200
