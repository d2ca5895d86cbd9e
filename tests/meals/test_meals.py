"""Meals: create, list, read, edit, publish, cancel (the contract of /canteens/{id}/meals and
/meals/{id})."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.meals.models import Meal, Signup
from tests.meals.api import availability, iso, notifications, signed_up
from tests.support.api import PREFIX as API
from tests.support.api import v1
from tests.support.errors import assert_error


def payload(**changes):
    starts = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    data = {
        "title": "Soupe au pistou",
        "menu": "Soupe au pistou, fougasse, fromage blanc",
        "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=2)),
        "signup_closes_at": iso(starts - timedelta(hours=3)),
        "allergens": ["gluten", "milk"],
        "diets": ["vegetarian"],
        "cost_price_cents": 350,
    }
    data.update(changes)
    return data


# --- POST /canteens/{id}/meals ------------------------------------------------------------


def test_host_creates_a_draft_with_default_pools(api, kitchen):
    canteen = kitchen.canteen(capacity=12)
    data = payload()
    del data["signup_closes_at"]
    r = api.post(f"/canteens/{canteen.id}/meals", json=data, headers=canteen.host.headers)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    starts = datetime.fromisoformat(data["starts_at"])
    assert body["status"] == "draft"
    assert body["canteen"] == {
        "id": canteen.id,
        "name": canteen.name,
        "address": canteen.address,
        "timezone": canteen.timezone,
        "latitude": canteen.latitude,
        "longitude": canteen.longitude,
        "currency": "EUR",
    }
    assert body["is_host"] is True
    assert body["neighbourhood_id"] == canteen.neighbourhood.id
    assert body["title"] == "Soupe au pistou"
    assert body["starts_at"] == data["starts_at"]
    # Without a deadline, signups close when the meal starts.
    assert body["signup_closes_at"] == data["starts_at"]
    assert body["allergens"] == ["gluten", "milk"]
    assert body["diets"] == ["vegetarian"]
    assert body["cost_price_cents"] == 350
    assert body["pools"] == [
        {"key": "table", "label": "At the table", "capacity": 12, "starts_at": None},
        {
            "key": "kitchen",
            "label": "Cooking in the kitchen",
            "capacity": 2,
            "starts_at": iso(starts - timedelta(hours=2)),
        },
    ]
    assert body["availability"] == {
        "table": {"capacity": 12, "taken": 0, "left": 12, "waitlist": 0},
        "kitchen": {"capacity": 2, "taken": 0, "left": 2, "waitlist": 0},
    }
    assert body["version"] == 0
    assert body["my_signup"] is None
    assert body["cancel_reason"] is None


def test_host_creates_a_published_meal_with_own_pools(api, kitchen):
    canteen = kitchen.canteen()
    starts = datetime(2031, 6, 21, 19, 0, tzinfo=UTC)
    data = payload(
        starts_at="2031-06-21T21:00:00+02:00",
        ends_at="2031-06-21T23:30:00+02:00",
        signup_closes_at="2031-06-20T12:00:00Z",
        pools=[
            {"key": "table", "label": "Grande tablée", "capacity": 20},
            {"key": "prep", "capacity": 3, "starts_at": "2031-06-21T17:00:00+02:00"},
        ],
    )
    r = api.post(
        f"/canteens/{canteen.id}/meals?publish=true", json=data, headers=canteen.host.headers
    )
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["status"] == "published"
    assert body["starts_at"] == iso(starts)
    assert body["ends_at"] == "2031-06-21T21:30:00Z"
    assert body["signup_closes_at"] == "2031-06-20T12:00:00Z"
    assert body["pools"] == [
        {"key": "table", "label": "Grande tablée", "capacity": 20, "starts_at": None},
        {"key": "prep", "label": "Prep", "capacity": 3, "starts_at": "2031-06-21T15:00:00Z"},
    ]
    assert set(body["availability"]) == {"table", "prep"}
    # Published: members see it.
    member = kitchen.auth.member(canteen.neighbourhood)
    assert api.get(f"/meals/{body['id']}", headers=member.headers).status_code == 200


@pytest.mark.parametrize("who", ["member", "moderator", "other_host"])
def test_create_meal_is_for_the_canteens_hosts(api, auth, kitchen, who):
    canteen = kitchen.canteen()
    nh = canteen.neighbourhood
    actor = {
        "member": lambda: auth.member(nh),
        "moderator": lambda: nh.moderator,
        "other_host": lambda: kitchen.canteen(nh).host,
    }[who]()
    r = api.post(f"/canteens/{canteen.id}/meals", json=payload(), headers=actor.headers)
    assert_error(r, 403)
    assert db.session.query(Meal).count() == 0


def test_create_meal_outside_the_neighbourhood_is_404(api, kitchen):
    canteen = kitchen.canteen()
    other = kitchen.canteen()
    r = api.post(f"/canteens/{canteen.id}/meals", json=payload(), headers=other.host.headers)
    assert_error(r, 404)
    r = api.post("/canteens/999999/meals", json=payload(), headers=other.host.headers)
    assert_error(r, 404)


def _in(hours: float) -> str:
    return iso(utcnow() + timedelta(hours=hours))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"starts_at": _in(48), "ends_at": _in(47)}, "ends_at"),
        ({"starts_at": "2031-01-10T19:00:00Z", "ends_at": "2031-01-10T20:00:00+01:00"}, "ends_at"),
        (
            {"starts_at": _in(48), "ends_at": _in(50), "signup_closes_at": _in(49)},
            "signup_closes_at",
        ),
        ({"starts_at": _in(-1), "ends_at": _in(1)}, "starts_at"),
        ({"starts_at": "2031-01-10T19:00:00"}, "starts_at"),
        ({"ends_at": "2031-01-10T21:00:00"}, "ends_at"),
        ({"signup_closes_at": "2031-01-09T12:00:00"}, "signup_closes_at"),
        ({"starts_at": "next tuesday"}, "starts_at"),
        ({"allergens": ["gluten", "chocolate"]}, "allergens"),
        ({"allergens": "gluten"}, "allergens"),
        ({"diets": ["carnivore"]}, "diets"),
        ({"cost_price_cents": -1}, "cost_price_cents"),
        ({"title": ""}, "title"),
        ({"pools": []}, "pools"),
        ({"pools": [{"key": "table", "capacity": 4}, {"key": "table", "capacity": 2}]}, "pools"),
        ({"pools": [{"key": "Big Table", "capacity": 4}]}, "pools"),
        ({"pools": [{"key": "table", "capacity": -1}]}, "pools"),
        ({"pools": [{"key": "table"}]}, "pools"),
        ({"pools": [{"key": "table", "capacity": 2, "starts_at": "2031-01-10T17:00"}]}, "pools"),
    ],
)
def test_create_meal_bad_input_is_422(api, kitchen, changes, field):
    canteen = kitchen.canteen()
    r = api.post(
        f"/canteens/{canteen.id}/meals", json=payload(**changes), headers=canteen.host.headers
    )
    assert_error(r, 422, field)
    assert db.session.query(Meal).count() == 0


def test_create_meal_missing_fields_are_named(api, kitchen):
    canteen = kitchen.canteen()
    r = api.post(f"/canteens/{canteen.id}/meals", json={}, headers=canteen.host.headers)
    body = assert_error(r, 422)
    assert set(body["errors"]["json"]) == {"title", "starts_at", "ends_at"}


def test_create_meal_bad_publish_flag_is_422(api, kitchen):
    canteen = kitchen.canteen()
    r = api.post(
        f"/canteens/{canteen.id}/meals?publish=perhaps",
        json=payload(),
        headers=canteen.host.headers,
    )
    assert_error(r, 422, "publish", location="query")


# --- GET /neighbourhoods/{id}/meals -------------------------------------------------------


def _ids(response):
    assert response.status_code == 200, response.get_json()
    return [m["id"] for m in response.get_json()["items"]]


def test_members_list_upcoming_published_meals_soonest_first(api, auth, kitchen):
    canteen = kitchen.canteen()
    nh = canteen.neighbourhood
    later = kitchen.meal(canteen, starts_in=timedelta(days=5))
    sooner = kitchen.meal(canteen, starts_in=timedelta(days=1))
    other_canteen = kitchen.meal(kitchen.canteen(nh), starts_in=timedelta(days=3))
    kitchen.meal(canteen, status="draft")
    kitchen.meal(canteen, status="cancelled")
    # Started an hour ago, ends in an hour: in progress, so still listed (the host checks in).
    in_progress = kitchen.meal(canteen, starts_in=timedelta(hours=-1))
    kitchen.meal(canteen, starts_in=timedelta(hours=-3))  # ended an hour ago
    kitchen.meal(kitchen.canteen(), starts_in=timedelta(days=2))  # another neighbourhood
    member = auth.member(nh, allergens=["milk"])
    r = api.get(f"/neighbourhoods/{nh.id}/meals", headers=member.headers)
    assert _ids(r) == [in_progress.id, sooner.id, other_canteen.id, later.id]
    first = r.get_json()["items"][0]
    assert first["status"] == "published"
    assert first["availability"] == {
        "table": {"capacity": 10, "taken": 0, "left": 10, "waitlist": 0},
        "kitchen": {"capacity": 2, "taken": 0, "left": 2, "waitlist": 0},
    }
    assert first["my_signup"] is None
    assert r.get_json()["next_cursor"] is None


def test_list_meals_shows_my_signup_and_warnings(client, api, auth, kitchen):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen, pools={"table": 2}, allergens=["milk", "eggs"])
    member = auth.member(canteen.neighbourhood, allergens=["milk", "peanuts"])
    signed_up(client, meal, auth.member(canteen.neighbourhood), party_size=2)
    signed_up(client, meal, member, party_size=1)
    r = api.get(f"/neighbourhoods/{canteen.neighbourhood.id}/meals", headers=member.headers)
    item = r.get_json()["items"][0]
    assert item["availability"] == {"table": {"capacity": 2, "taken": 2, "left": 0, "waitlist": 1}}
    assert item["my_signup"]["pool"] == "table"
    assert item["my_signup"]["party_size"] == 1
    assert item["my_signup"]["status"] == "waitlisted"
    assert item["warnings"] == ["milk"]


def test_list_meals_from_and_to(client, auth, kitchen):
    canteen = kitchen.canteen()
    nh = canteen.neighbourhood
    base = utcnow()
    meals = [kitchen.meal(canteen, starts_in=timedelta(days=d)) for d in (1, 2, 3, 4)]
    url = f"{API}/neighbourhoods/{nh.id}/meals"
    headers = nh.moderator.headers

    def listed(**query):
        return _ids(client.get(url, query_string=query, headers=headers))

    assert listed() == [m.id for m in meals]
    assert listed(**{"from": iso(base + timedelta(days=2.5))}) == [meals[2].id, meals[3].id]
    assert listed(to=iso(base + timedelta(days=2.5))) == [meals[0].id, meals[1].id]
    both = {"from": iso(base + timedelta(days=1.5)), "to": iso(base + timedelta(days=3.5))}
    assert listed(**both) == [meals[1].id, meals[2].id]
    # `to` is exclusive: a meal starting exactly then is not listed.
    assert listed(to=iso(meals[1].starts_at)) == [meals[0].id]
    # Any offset is accepted.
    east = timezone(timedelta(hours=5))
    assert listed(**{"from": (base + timedelta(days=3.5)).astimezone(east).isoformat()}) == [
        meals[3].id
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "soon"}, "from"),
        ({"from": "2031-02-30T10:00:00Z"}, "from"),
        ({"from": "2031-02-01T10:00:00"}, "from"),
        ({"to": "tomorrow"}, "to"),
        ({"limit": 101}, "limit"),
        ({"after": "not-a-cursor"}, "after"),
    ],
)
def test_list_meals_bad_query_is_422(api, auth, kitchen, query, field):
    canteen = kitchen.canteen()
    nh = canteen.neighbourhood
    r = api.get(f"/neighbourhoods/{nh.id}/meals", query_string=query, headers=nh.moderator.headers)
    assert_error(r, 422, field, location="query")


def test_list_meals_walks_every_meal_exactly_once(api, auth, kitchen):
    canteen = kitchen.canteen()
    nh = canteen.neighbourhood
    meals = [kitchen.meal(canteen, starts_in=timedelta(days=1 + i % 4)) for i in range(9)]
    # Three meals at exactly the same time: the id breaks the tie.
    same = utcnow() + timedelta(days=2, hours=5)
    for meal in meals[:3]:
        meal.starts_at = same
        meal.ends_at = same + timedelta(hours=2)
        meal.signup_closes_at = same - timedelta(hours=1)
    db.session.commit()
    expected = [m.id for m in sorted(meals, key=lambda m: (m.starts_at, m.id))]
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        query = {"limit": 2} | ({"after": cursor} if cursor else {})
        r = api.get(
            f"/neighbourhoods/{nh.id}/meals", query_string=query, headers=nh.moderator.headers
        )
        seen += _ids(r)
        pages += 1
        cursor = r.get_json()["next_cursor"]
        if cursor is None:
            break
        if pages == 3:
            # A meal added meanwhile before the cursor is not returned; one after it is.
            early = kitchen.meal(canteen, starts_in=timedelta(hours=6))
            late = kitchen.meal(canteen, starts_in=timedelta(days=9))
            expected.append(late.id)
            assert early.id not in expected
    assert seen == expected
    assert pages == 5


@pytest.mark.parametrize("status", [None, "pending"])
def test_list_meals_is_403_for_non_members(api, auth, kitchen, status):
    canteen = kitchen.canteen()
    kitchen.meal(canteen)
    nh = canteen.neighbourhood
    outsider = auth.member(nh, status=status) if status else auth.member(auth.neighbourhood())
    assert_error(api.get(f"/neighbourhoods/{nh.id}/meals", headers=outsider.headers), 403)


def test_list_meals_of_a_missing_neighbourhood_is_404(api, auth):
    user = auth.user()
    assert_error(api.get("/neighbourhoods/999999/meals", headers=user.headers), 404)


def _listing_queries(client, count_queries, nh_id, member):
    with count_queries() as statements:
        r = client.get(v1(f"/neighbourhoods/{nh_id}/meals?limit=100"), headers=member.headers)
    assert r.status_code == 200, r.get_json()
    return len(r.get_json()["items"]), len(statements)


def test_list_meals_costs_the_same_queries_for_3_or_30_meals(client, auth, kitchen, count_queries):
    def neighbourhood_with(n):
        canteen = kitchen.canteen()
        nh = canteen.neighbourhood
        member = auth.member(nh, allergens=["nuts"])
        other = auth.member(nh)
        for i in range(n):
            meal = kitchen.meal(canteen, starts_in=timedelta(days=1, hours=i), allergens=["nuts"])
            # The caller is signed up to every meal, waitlisted on some.
            pool = meal.pools[i % 2]
            db.session.add_all(
                [
                    Signup(
                        meal_id=meal.id,
                        pool_id=pool.id,
                        user_id=other.id,
                        party_size=1,
                        status="waitlisted",
                        waitlist_seq=1,
                    ),
                    Signup(
                        meal_id=meal.id,
                        pool_id=pool.id,
                        user_id=member.id,
                        party_size=2,
                        status="confirmed" if i % 3 else "waitlisted",
                        waitlist_seq=2,
                    ),
                ]
            )
        db.session.commit()
        nh_id = nh.id
        db.session.expunge_all()
        return nh_id, member

    small = _listing_queries(client, count_queries, *neighbourhood_with(3))
    large = _listing_queries(client, count_queries, *neighbourhood_with(30))
    assert small[0] == 3
    assert large[0] == 30
    assert large[1] == small[1]
    # The token with the membership check, the page with canteens, hosting, my signups and my
    # waitlist places, then pools with their waitlists: never one per meal.
    assert small[1] <= 3


# --- GET /meals/{id} ----------------------------------------------------------------------


def test_member_reads_a_meal(client, api, auth, kitchen):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen, pools={"table": 3, "kitchen": 1}, allergens=["milk", "nuts"])
    member = auth.member(canteen.neighbourhood, allergens=["nuts", "sesame"], diets=["vegan"])
    signed_up(client, meal, auth.member(canteen.neighbourhood), party_size=3)
    r = api.get(f"/meals/{meal.id}", headers=member.headers)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["id"] == meal.id
    assert body["status"] == "published"
    assert body["availability"] == {
        "table": {"capacity": 3, "taken": 3, "left": 0, "waitlist": 0},
        "kitchen": {"capacity": 1, "taken": 0, "left": 1, "waitlist": 0},
    }
    assert body["version"] == 1
    assert body["warnings"] == ["nuts"]
    assert body["unsuited_diets"] == ["vegan"]
    assert body["my_signup"] is None
    assert body["is_host"] is False
    signed_up(client, meal, member, party_size=2)
    body = api.get(f"/meals/{meal.id}", headers=member.headers).get_json()
    assert body["my_signup"]["status"] == "waitlisted"
    assert body["my_signup"]["waitlist_position"] == 1
    assert body["version"] == 2


def test_a_past_published_meal_is_done(api, auth, kitchen):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen, starts_in=timedelta(hours=-3))
    r = api.get(f"/meals/{meal.id}", headers=canteen.host.headers)
    assert r.get_json()["status"] == "done"


@pytest.mark.parametrize("status", [None, "pending"])
def test_get_meal_outside_the_neighbourhood_is_404(api, auth, kitchen, status):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen)
    nh = canteen.neighbourhood
    outsider = auth.member(nh, status=status) if status else auth.member(auth.neighbourhood())
    assert_error(api.get(f"/meals/{meal.id}", headers=outsider.headers), 404)
    assert_error(api.get("/meals/999999", headers=outsider.headers), 404)


def test_a_draft_is_404_to_members_but_visible_to_its_hosts(api, auth, kitchen):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen, status="draft")
    nh = canteen.neighbourhood
    assert_error(api.get(f"/meals/{meal.id}", headers=auth.member(nh).headers), 404)
    assert_error(api.get(f"/meals/{meal.id}", headers=kitchen.canteen(nh).host.headers), 404)
    r = api.get(f"/meals/{meal.id}", headers=canteen.host.headers)
    assert r.status_code == 200
    assert r.get_json()["status"] == "draft"


# --- PATCH /meals/{id} --------------------------------------------------------------------


def test_host_edits_a_meal(api, auth, kitchen):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen, pools={"table": 4, "kitchen": 2})
    starts = meal.starts_at
    r = api.patch(
        f"/meals/{meal.id}",
        json={
            "title": "Gratin dauphinois",
            "allergens": ["milk"],
            "cost_price_cents": 420,
            "ends_at": iso(starts + timedelta(hours=3)),
            "pools": [{"key": "kitchen", "label": "Aux fourneaux", "capacity": 3}],
        },
        headers=canteen.host.headers,
    )
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["title"] == "Gratin dauphinois"
    assert body["allergens"] == ["milk"]
    assert body["cost_price_cents"] == 420
    assert body["ends_at"] == iso(starts + timedelta(hours=3))
    assert body["pools"][0] == {"key": "table", "label": "Table", "capacity": 4, "starts_at": None}
    assert body["pools"][1]["label"] == "Aux fourneaux"
    assert body["availability"]["kitchen"] == {"capacity": 3, "taken": 0, "left": 3, "waitlist": 0}


def test_patch_adds_a_pool(api, kitchen):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen, pools={"table": 4})
    r = api.patch(
        f"/meals/{meal.id}",
        json={"pools": [{"key": "dessert", "capacity": 5}]},
        headers=canteen.host.headers,
    )
    assert r.status_code == 200, r.get_json()
    assert [p["key"] for p in r.get_json()["pools"]] == ["table", "dessert"]
    assert r.get_json()["availability"]["dessert"] == {
        "capacity": 5,
        "taken": 0,
        "left": 5,
        "waitlist": 0,
    }


def test_capacity_cannot_go_below_the_seats_taken(client, api, auth, kitchen):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen, pools={"table": 6})
    signed_up(client, meal, auth.member(canteen.neighbourhood), party_size=4)
    r = api.patch(
        f"/meals/{meal.id}",
        json={"pools": [{"key": "table", "capacity": 3}]},
        headers=canteen.host.headers,
    )
    assert_error(r, 409)
    assert availability(client, meal, canteen.host)["table"] == {
        "capacity": 6,
        "taken": 4,
        "left": 2,
        "waitlist": 0,
    }
    r = api.patch(
        f"/meals/{meal.id}",
        json={"pools": [{"key": "table", "capacity": 4}]},
        headers=canteen.host.headers,
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["availability"]["table"] == {
        "capacity": 4,
        "taken": 4,
        "left": 0,
        "waitlist": 0,
    }


@pytest.mark.parametrize("who", ["member", "moderator", "other_host"])
def test_patch_meal_is_for_the_canteens_hosts(api, auth, kitchen, who):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen)
    nh = canteen.neighbourhood
    actor = {
        "member": lambda: auth.member(nh),
        "moderator": lambda: nh.moderator,
        "other_host": lambda: kitchen.canteen(nh).host,
    }[who]()
    r = api.patch(f"/meals/{meal.id}", json={"title": "Mine"}, headers=actor.headers)
    assert_error(r, 403)


def test_patch_meal_outside_the_neighbourhood_is_404(api, kitchen):
    meal = kitchen.meal()
    other = kitchen.canteen()
    assert_error(
        api.patch(f"/meals/{meal.id}", json={"title": "X"}, headers=other.host.headers), 404
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_at": "2000-01-01T00:00:00Z"}, "ends_at"),
        ({"signup_closes_at": "2099-01-01T00:00:00Z"}, "signup_closes_at"),
        ({"starts_at": "2031-01-10T19:00:00"}, "starts_at"),
        ({"allergens": ["gluten", "anchovies"]}, "allergens"),
        ({"cost_price_cents": -5}, "cost_price_cents"),
        ({"pools": [{"key": "table", "capacity": -1}]}, "pools"),
        ({"pools": [{"key": "table", "capacity": 5}, {"key": "table", "capacity": 6}]}, "pools"),
        ({"pools": [{"key": "garden"}]}, "pools"),
    ],
)
def test_patch_meal_bad_input_is_422(api, kitchen, changes, field):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen)
    r = api.patch(f"/meals/{meal.id}", json=changes, headers=canteen.host.headers)
    assert_error(r, 422, field)
    assert api.get(f"/meals/{meal.id}", headers=canteen.host.headers).get_json()["version"] == 0


def test_patching_a_cancelled_meal_is_409(api, kitchen):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen, status="cancelled")
    r = api.patch(f"/meals/{meal.id}", json={"title": "Back on"}, headers=canteen.host.headers)
    assert_error(r, 409)


# --- POST /meals/{id}/publish -------------------------------------------------------------


def test_host_publishes_a_draft(api, auth, kitchen):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen, status="draft")
    member = auth.member(canteen.neighbourhood)
    r = api.post(f"/meals/{meal.id}/publish", headers=canteen.host.headers)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "published"
    assert r.get_json()["version"] == 1
    assert api.get(f"/meals/{meal.id}", headers=member.headers).status_code == 200
    assert _ids(
        api.get(f"/neighbourhoods/{canteen.neighbourhood.id}/meals", headers=member.headers)
    ) == [meal.id]
    # Only a draft can be published.
    assert_error(api.post(f"/meals/{meal.id}/publish", headers=canteen.host.headers), 409)


def test_publishing_a_past_draft_is_409(api, kitchen):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen, status="draft", starts_in=timedelta(hours=-1))
    assert_error(api.post(f"/meals/{meal.id}/publish", headers=canteen.host.headers), 409)


def test_publish_by_a_member_is_403_or_404(api, auth, kitchen):
    canteen = kitchen.canteen()
    nh = canteen.neighbourhood
    member = auth.member(nh)
    # A member can't see a draft at all ...
    draft = kitchen.meal(canteen, status="draft")
    assert_error(api.post(f"/meals/{draft.id}/publish", headers=member.headers), 404)
    # ... and may not act on a meal they can see.
    published = kitchen.meal(canteen)
    assert_error(api.post(f"/meals/{published.id}/publish", headers=member.headers), 403)
    assert_error(api.post(f"/meals/{published.id}/publish", headers=nh.moderator.headers), 403)


def test_publish_outside_the_neighbourhood_is_404(api, kitchen):
    meal = kitchen.meal(status="draft")
    other = kitchen.canteen()
    assert_error(api.post(f"/meals/{meal.id}/publish", headers=other.host.headers), 404)


# --- POST /meals/{id}/cancel --------------------------------------------------------------


def test_cancelling_a_meal_frees_everything_and_tells_everyone(client, api, auth, kitchen):
    canteen = kitchen.canteen()
    nh = canteen.neighbourhood
    meal = kitchen.meal(canteen, pools={"table": 3, "kitchen": 1})
    ana, ben, cleo, dan = (auth.member(nh) for _ in range(4))
    bystander = auth.member(nh)
    signed_up(client, meal, ana, party_size=2)
    signed_up(client, meal, ben, party_size=1)
    signed_up(client, meal, cleo, party_size=2)  # waitlisted
    signed_up(client, meal, dan, pool="kitchen")
    reason = "La cuisine est inondée, désolés !"
    r = api.post(f"/meals/{meal.id}/cancel", json={"reason": reason}, headers=canteen.host.headers)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["status"] == "cancelled"
    assert body["cancel_reason"] == reason
    assert body["availability"] == {
        "table": {"capacity": 3, "taken": 0, "left": 3, "waitlist": 0},
        "kitchen": {"capacity": 1, "taken": 0, "left": 1, "waitlist": 0},
    }
    for person in (ana, ben, cleo, dan):
        got = notifications(client, person, "meal_cancelled")
        assert len(got) == 1
        assert got[0]["payload"]["meal_id"] == meal.id
        assert got[0]["payload"]["reason"] == reason
        assert got[0]["payload"]["meal_title"] == "Soupe et pain partagé"
        r = api.get(f"/meals/{meal.id}/signups/me", headers=person.headers)
        assert r.get_json()["status"] == "cancelled"
        assert r.get_json()["waitlist_position"] is None
    assert notifications(client, bystander) == []
    assert notifications(client, canteen.host) == []
    # A cancelled meal still shows to members, gone from the listing, and takes no signups.
    r = api.get(f"/meals/{meal.id}", headers=bystander.headers)
    assert r.get_json()["status"] == "cancelled"
    assert _ids(api.get(f"/neighbourhoods/{nh.id}/meals", headers=bystander.headers)) == []
    assert_error(api.post(f"/meals/{meal.id}/signups", json={}, headers=bystander.headers), 409)
    # Cancelling again is a conflict, and tells nobody twice.
    r = api.post(f"/meals/{meal.id}/cancel", json={"reason": "again"}, headers=canteen.host.headers)
    assert_error(r, 409)
    assert len(notifications(client, ana, "meal_cancelled")) == 1


def test_cancelling_a_finished_meal_is_409(api, kitchen):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen, starts_in=timedelta(hours=-5))
    r = api.post(f"/meals/{meal.id}/cancel", json={"reason": "late"}, headers=canteen.host.headers)
    assert_error(r, 409)


@pytest.mark.parametrize("who", ["member", "moderator"])
def test_cancel_is_for_the_canteens_hosts(api, auth, kitchen, who):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen)
    actor = (
        auth.member(canteen.neighbourhood) if who == "member" else canteen.neighbourhood.moderator
    )
    r = api.post(f"/meals/{meal.id}/cancel", json={"reason": "no"}, headers=actor.headers)
    assert_error(r, 403)
    assert api.get(f"/meals/{meal.id}", headers=actor.headers).get_json()["status"] == "published"


def test_cancel_outside_the_neighbourhood_is_404(api, kitchen):
    meal = kitchen.meal()
    other = kitchen.canteen()
    r = api.post(f"/meals/{meal.id}/cancel", json={"reason": "x"}, headers=other.host.headers)
    assert_error(r, 404)


@pytest.mark.parametrize("body", [{}, {"reason": "   "}, {"reason": None}, {"reason": "x" * 1001}])
def test_cancel_needs_a_reason(api, kitchen, body):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen)
    r = api.post(f"/meals/{meal.id}/cancel", json=body, headers=canteen.host.headers)
    assert_error(r, 422, "reason")
