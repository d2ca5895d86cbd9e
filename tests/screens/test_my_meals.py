"""`GET /me/meals` and `GET /me/hosting`: the reader's meals across neighbourhoods, one request
for the "my meals" and "host's day" screens."""

from __future__ import annotations

from datetime import timedelta

import pytest

from neighbours.extensions import db
from neighbours.meals.models import Signup
from tests.meals.api import signed_up
from tests.support.errors import assert_error


def _walk(api, path, actor, limit):
    seen, after, pages = [], None, 0
    while True:
        query = f"?limit={limit}" + (f"&after={after}" if after else "")
        r = api.get(path + query, as_=actor)
        assert r.status_code == 200, r.get_json()
        body = r.get_json()
        seen += body["items"]
        pages += 1
        after = body["next_cursor"]
        if after is None:
            return seen, pages


def test_my_meals_lists_my_upcoming_signups_across_neighbourhoods_soonest_first(
    client, api, auth, kitchen
):
    croix, vaise = kitchen.canteen(), kitchen.canteen()
    me = auth.member(croix.neighbourhood)
    auth.member(vaise.neighbourhood, me)
    later = kitchen.meal(croix, starts_in=timedelta(days=4), pools={"table": 1, "kitchen": 1})
    sooner = kitchen.meal(vaise, starts_in=timedelta(days=1))
    in_progress = kitchen.meal(croix, starts_in=timedelta(hours=-1))
    not_mine = kitchen.meal(croix, starts_in=timedelta(days=2))
    cancelled = kitchen.meal(vaise, starts_in=timedelta(days=3))
    signed_up(client, later, auth.member(croix.neighbourhood))  # the table is full: I wait
    waiting = signed_up(client, later, me)
    signed_up(client, sooner, me)
    signed_up(client, cancelled, me)
    assert api.delete(f"/meals/{cancelled.id}/signups/me", as_=me).status_code == 204
    signed_up(client, not_mine, auth.member(croix.neighbourhood))
    # A diner already at the table of a meal in progress (signups closed before it began).
    pool = in_progress.pools[0]
    db.session.add(
        Signup(
            meal_id=in_progress.id,
            pool_id=pool.id,
            user_id=me.id,
            party_size=1,
            status="confirmed",
            waitlist_seq=1,
        )
    )
    db.session.commit()

    r = api.get("/me/meals", as_=me)
    assert r.status_code == 200, r.get_json()
    items = r.get_json()["items"]
    assert [i["meal"]["id"] for i in items] == [in_progress.id, sooner.id, later.id]
    last = items[-1]
    assert (last["id"], last["status"], last["waitlist_position"]) == (
        waiting["id"],
        "waitlisted",
        1,
    )
    meal = last["meal"]
    assert meal["canteen"]["id"] == croix.id and meal["canteen"]["currency"] == "EUR"
    assert meal["is_host"] is False
    assert meal["my_signup"]["waitlist_position"] == 1
    assert meal["availability"]["table"] == {"capacity": 1, "taken": 1, "left": 0, "waitlist": 1}


def test_my_meals_shows_only_my_own_signups_in_my_neighbourhoods(client, api, auth, kitchen):
    canteen = kitchen.canteen()
    me, other = auth.member(canteen.neighbourhood), auth.member(canteen.neighbourhood)
    meal = kitchen.meal(canteen)
    signed_up(client, meal, other)
    assert api.get("/me/meals", as_=me).get_json()["items"] == []
    # Another person's page is theirs alone; a cursor of mine shows nothing of theirs either.
    assert [i["meal"]["id"] for i in api.get("/me/meals", as_=other).get_json()["items"]] == [
        meal.id
    ]
    signed_up(client, meal, me)
    # Once I am no longer an active member (suspended memberships aside), it leaves my list.
    r = api.delete(f"/neighbourhoods/{canteen.neighbourhood.id}/members/me", as_=me)
    assert r.status_code == 204, r.get_json()
    assert api.get("/me/meals", as_=me).get_json()["items"] == []


@pytest.mark.parametrize("path", ["/me/meals", "/me/hosting", "/me/badges"])
def test_without_a_token_it_is_401(api, path):
    assert_error(api.get(path), 401)


@pytest.mark.parametrize("path", ["/me/meals", "/me/hosting"])
@pytest.mark.parametrize(
    ("query", "field"),
    [("limit=0", "limit"), ("limit=101", "limit"), ("after=nonsense", "after")],
)
def test_bad_paging_is_422(api, auth, path, query, field):
    me = auth.user()
    assert_error(api.get(f"{path}?{query}", as_=me), 422, field, location="query")


def test_my_meals_walks_in_pages_each_once(client, api, auth, kitchen):
    canteen = kitchen.canteen()
    me = auth.member(canteen.neighbourhood)
    meals = [kitchen.meal(canteen, starts_in=timedelta(days=1, hours=i)) for i in range(7)]
    for meal in reversed(meals):
        signed_up(client, meal, me)
    seen, pages = _walk(api, "/me/meals", me, 3)
    assert [i["meal"]["id"] for i in seen] == [m.id for m in meals]
    assert pages == 3


def test_hosting_lists_what_i_host_from_the_start_of_today(client, api, auth, kitchen):
    canteen = kitchen.canteen()
    host = canteen.host
    other_canteen = kitchen.canteen(canteen.neighbourhood)
    earlier_today = kitchen.meal(canteen, starts_in=timedelta(minutes=-1))
    yesterday = kitchen.meal(canteen, starts_in=timedelta(days=-1, hours=-1))
    draft = kitchen.meal(canteen, status="draft", starts_in=timedelta(days=2))
    tomorrow = kitchen.meal(canteen, starts_in=timedelta(days=1))
    kitchen.meal(other_canteen, starts_in=timedelta(days=1))  # not mine to host
    signed_up(client, tomorrow, auth.member(canteen.neighbourhood), party_size=2)

    items = api.get("/me/hosting", as_=host).get_json()["items"]
    ids = [m["id"] for m in items]
    assert ids == [earlier_today.id, tomorrow.id, draft.id]
    assert yesterday.id not in ids
    assert all(m["is_host"] for m in items)
    assert items[1]["availability"]["table"]["taken"] == 2
    assert items[2]["status"] == "draft"
    # The other canteen's host sees only theirs.
    assert tomorrow.id not in [
        m["id"] for m in api.get("/me/hosting", as_=other_canteen.host).get_json()["items"]
    ]


def test_hosting_is_empty_for_someone_who_hosts_nothing(api, auth, kitchen):
    canteen = kitchen.canteen()
    kitchen.meal(canteen)
    for role in ("member", "moderator"):
        actor = auth.member(canteen.neighbourhood, role=role)
        assert api.get("/me/hosting", as_=actor).get_json() == {"items": [], "next_cursor": None}


def test_hosting_walks_in_pages_each_once(api, kitchen):
    canteen = kitchen.canteen()
    meals = [kitchen.meal(canteen, starts_in=timedelta(days=1, hours=i)) for i in range(5)]
    seen, pages = _walk(api, "/me/hosting", canteen.host, 2)
    assert [m["id"] for m in seen] == [m.id for m in meals]
    assert pages == 3


def _queries(count_queries, api, path, actor):
    with count_queries() as statements:
        r = api.get(path + "?limit=100", as_=actor)
    assert r.status_code == 200, r.get_json()
    return len(r.get_json()["items"]), len(statements)


@pytest.mark.parametrize("path", ["/me/meals", "/me/hosting"])
def test_the_queries_do_not_grow_with_the_meals(client, api, auth, kitchen, count_queries, path):
    def host_and_diner_of(n):
        canteen = kitchen.canteen()
        diner = auth.member(canteen.neighbourhood, allergens=["milk"])
        filler = auth.member(canteen.neighbourhood)
        for i in range(n):
            meal = kitchen.meal(canteen, starts_in=timedelta(days=1, hours=i), pools={"table": 1})
            if i % 2:
                signed_up(client, meal, filler)  # the table is taken: the diner waits
            signed_up(client, meal, diner)
        return canteen.host if path == "/me/hosting" else diner

    small = _queries(count_queries, api, path, host_and_diner_of(3))
    large = _queries(count_queries, api, path, host_and_diner_of(20))
    assert (small[0], large[0]) == (3, 20)
    assert large[1] == small[1]
    assert small[1] <= 10
