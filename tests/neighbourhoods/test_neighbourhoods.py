"""Creating, finding and reading neighbourhoods."""

from __future__ import annotations

import base64
import json
import math

import pytest
from sqlalchemy import text

from tests.support.errors import assert_error

CROIX_ROUSSE = (45.7745, 4.8320)
BELLECOUR = (45.7578, 4.8320)
VILLEURBANNE = (45.7719, 4.8902)
VAISE = (45.7790, 4.8050)
PARIS = (48.8566, 2.3522)


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def cursor_of(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


# --- POST /neighbourhoods -----------------------------------------------------------------


def test_create_makes_the_creator_its_first_moderator(auth, api, new_neighbourhood, db):
    ana = auth.user()
    r = api.post(
        "/neighbourhoods",
        json=new_neighbourhood(name="  Croix-Rousse  ", join_policy="approval"),
        headers=ana.headers,
    )
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["name"] == "Croix-Rousse"
    assert body["description"] == "Les pentes et le plateau"
    assert body["city"] == "Lyon"
    assert body["latitude"] == 45.7745 and body["longitude"] == 4.832
    assert body["radius_m"] == 1200
    assert body["join_policy"] == "approval"
    assert body["member_count"] == 1
    assert body["my_membership"] == {"status": "active", "role": "moderator"}
    assert body["created_at"].endswith("Z")
    rows = db.session.execute(
        text("SELECT user_id, role, status FROM memberships WHERE neighbourhood_id = :n"),
        {"n": body["id"]},
    ).all()
    assert [tuple(r) for r in rows] == [(ana.id, "moderator", "active")]
    me = api.get("/me", headers=ana.headers).get_json()
    assert [m["neighbourhood_id"] for m in me["memberships"]] == [body["id"]]
    got = api.get(f"/neighbourhoods/{body['id']}", headers=ana.headers).get_json()
    assert got == body


def test_create_description_is_optional(auth, api, new_neighbourhood):
    ana = auth.user()
    body = new_neighbourhood()
    del body["description"]
    r = api.post("/neighbourhoods", json=body, headers=ana.headers)
    assert r.status_code == 201
    assert r.get_json()["description"] == ""


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "x"}, "name"),
        ({"name": "x" * 81}, "name"),
        ({"name": None}, "name"),
        ({"city": ""}, "city"),
        ({"latitude": 91}, "latitude"),
        ({"latitude": "north"}, "latitude"),
        ({"longitude": -180.5}, "longitude"),
        ({"radius_m": 0}, "radius_m"),
        ({"radius_m": 10}, "radius_m"),
        ({"radius_m": 50_001}, "radius_m"),
        ({"join_policy": "closed"}, "join_policy"),
        ({"join_policy": None}, "join_policy"),
        ({"description": "x" * 2001}, "description"),
        ({"created_by_id": 1}, "created_by_id"),
    ],
)
def test_create_bad_input_is_422_naming_the_field(auth, api, new_neighbourhood, db, fields, field):
    ana = auth.user()
    r = api.post("/neighbourhoods", json=new_neighbourhood(**fields), headers=ana.headers)
    assert_error(r, 422, field)
    assert db.session.execute(text("SELECT count(*) FROM neighbourhoods")).scalar_one() == 0


def test_create_each_required_field_is_named_when_missing(auth, api):
    ana = auth.user()
    body = assert_error(api.post("/neighbourhoods", json={}, headers=ana.headers), 422)
    assert set(body["errors"]["json"]) == {
        "name",
        "city",
        "latitude",
        "longitude",
        "radius_m",
        "join_policy",
    }


def test_create_non_json_is_400(auth, api):
    ana = auth.user()
    r = api.post("/neighbourhoods", data="name=x", content_type="text/plain", headers=ana.headers)
    assert_error(r, 400)


# --- GET /neighbourhoods ------------------------------------------------------------------


def test_list_near_a_point_is_nearest_first_with_distance(auth, api):
    ana = auth.user()
    places = {
        "Bellecour": BELLECOUR,
        "Villeurbanne": VILLEURBANNE,
        "Croix-Rousse": CROIX_ROUSSE,
        "Vaise": VAISE,
        "Paris": PARIS,
    }
    made = {
        name: auth.neighbourhood(name=name, latitude=lat, longitude=lon)
        for name, (lat, lon) in places.items()
    }
    r = api.get("/neighbourhoods?near=45.7745,4.8320", headers=ana.headers)
    assert r.status_code == 200
    body = r.get_json()
    names = [n["name"] for n in body["items"]]
    assert names == ["Croix-Rousse", "Bellecour", "Vaise", "Villeurbanne"]  # Paris is too far
    assert body["next_cursor"] is None
    for item in body["items"]:
        expected = haversine_m(CROIX_ROUSSE, places[item["name"]])
        assert abs(item["distance_m"] - expected) <= 1, item
        assert item["id"] == made[item["name"]].id
        assert item["member_count"] == 1
        assert item["city"] == "Lyon"
    assert body["items"][0]["distance_m"] == 0

    wide = api.get(
        "/neighbourhoods?near=45.7745,4.8320&within_m=500000", headers=ana.headers
    ).get_json()
    assert [n["name"] for n in wide["items"]][-1] == "Paris"
    assert wide["items"][-1]["distance_m"] == pytest.approx(haversine_m(CROIX_ROUSSE, PARIS), abs=1)


def test_list_without_near_is_by_name_with_no_distance(auth, api):
    ana = auth.user()
    for name in ("Vaise", "Bellecour", "Croix-Rousse"):
        auth.neighbourhood(name=name)
    items = api.get("/neighbourhoods", headers=ana.headers).get_json()["items"]
    assert [n["name"] for n in items] == ["Bellecour", "Croix-Rousse", "Vaise"]
    assert {n["distance_m"] for n in items} == {None}


def test_list_q_filters_by_name_case_insensitively(auth, api):
    ana = auth.user()
    auth.neighbourhood(name="Croix-Rousse")
    auth.neighbourhood(name="Croix-Luizet")
    auth.neighbourhood(name="Bellecour")
    auth.neighbourhood(name="100% Vaise")
    r = api.get("/neighbourhoods?q=croix", headers=ana.headers)
    assert [n["name"] for n in r.get_json()["items"]] == ["Croix-Luizet", "Croix-Rousse"]
    r = api.get("/neighbourhoods?q=ROUSSE&near=45.77,4.83", headers=ana.headers)
    assert [n["name"] for n in r.get_json()["items"]] == ["Croix-Rousse"]
    # LIKE wildcards in q are taken literally.
    r = api.get("/neighbourhoods?q=%25", headers=ana.headers)
    assert [n["name"] for n in r.get_json()["items"]] == ["100% Vaise"]
    r = api.get("/neighbourhoods?q=_", headers=ana.headers)
    assert r.get_json()["items"] == []


def test_list_member_count_counts_active_members_only(auth, api):
    ana = auth.user()
    croix = auth.neighbourhood(name="Croix-Rousse")
    auth.member(croix)
    auth.member(croix, status="pending")
    auth.member(croix, status="left")
    auth.neighbourhood(name="Vaise")
    items = api.get("/neighbourhoods", headers=ana.headers).get_json()["items"]
    assert {n["name"]: n["member_count"] for n in items} == {"Croix-Rousse": 2, "Vaise": 1}


@pytest.mark.parametrize("near", [None, "45.7745,4.8320"])
def test_walking_the_cursors_returns_each_neighbourhood_once_while_others_are_added(
    auth, client, near
):
    ana = auth.user()
    original = set()
    for i in range(9):
        n = auth.neighbourhood(
            name=f"Quartier {i % 3}",  # ties on name: the id breaks them
            latitude=45.7745 + (i % 4) * 0.001,  # ties on distance too
            longitude=4.832,
        )
        original.add(n.id)
    seen: list[int] = []
    after = None
    query = "/api/v1/neighbourhoods?limit=2" + (f"&near={near}" if near else "")
    for added in range(30):
        url = query + (f"&after={after}" if after else "")
        page = client.get(url, headers=ana.headers).get_json()
        assert len(page["items"]) <= 2
        seen += [n["id"] for n in page["items"]]
        # New neighbourhoods appear before and after the cursor's position.
        auth.neighbourhood(name=f"Quartier {added % 4}", latitude=45.7745 + added * 0.0007)
        after = page["next_cursor"]
        if after is None:
            break
    assert after is None
    assert len(seen) == len(set(seen)), seen
    assert original <= set(seen)


def test_list_limit(auth, api):
    ana = auth.user()
    for i in range(25):
        auth.neighbourhood(name=f"Quartier {i:02}")
    body = api.get("/neighbourhoods", headers=ana.headers).get_json()
    assert len(body["items"]) == 20
    assert body["next_cursor"]
    body = api.get("/neighbourhoods?limit=100", headers=ana.headers).get_json()
    assert len(body["items"]) == 25
    assert body["next_cursor"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=101", "limit"),
        ("limit=0", "limit"),
        ("limit=ten", "limit"),
        ("after=not-a-cursor!", "after"),
        ("after=" + cursor_of([1, 2, 3]), "after"),
        ("after=" + cursor_of({"a": 1}), "after"),
        ("near=45.77", "near"),
        ("near=45.77,4.83,1", "near"),
        ("near=north,east", "near"),
        ("near=91,4.83", "near"),
        ("near=45.77,181", "near"),
        ("near=", "near"),
        ("near=45.77,4.83&within_m=10", "within_m"),
        ("q=" + "x" * 81, "q"),
    ],
)
def test_list_bad_query_is_422_naming_the_parameter(auth, api, query, field):
    ana = auth.user()
    auth.neighbourhood()
    r = api.get(f"/neighbourhoods?{query}", headers=ana.headers)
    assert_error(r, 422, field, "query")


@pytest.mark.parametrize(
    ("near", "values"),
    [
        ("45.77,4.83", ["Quartier", 1]),  # a by-name cursor used for a by-distance list
        (None, [12.5, "x"]),
        ("45.77,4.83", [{"t": "yesterday"}, 1]),
        ("45.77,4.83", [None, 1]),
        (None, [["nested"], 1]),
    ],
)
def test_a_cursor_of_the_wrong_kind_is_422_naming_after(auth, client, near, values):
    ana = auth.user()
    for _ in range(3):
        auth.neighbourhood()
    url = f"/api/v1/neighbourhoods?limit=1&after={cursor_of(values)}"
    if near:
        url += f"&near={near}"
    assert_error(client.get(url, headers=ana.headers), 422, "after", "query")


# --- GET /neighbourhoods/{id} -------------------------------------------------------------


def test_get_shows_member_count_and_my_membership(auth, api):
    croix = auth.neighbourhood(name="Croix-Rousse", join_policy="approval")
    ana = auth.member(croix, role="host")
    auth.member(croix)
    pending = auth.member(croix, status="pending")
    stranger = auth.user()

    r = api.get(f"/neighbourhoods/{croix.id}", headers=ana.headers)
    assert r.status_code == 200
    body = r.get_json()
    assert body["id"] == croix.id
    assert body["name"] == "Croix-Rousse"
    assert body["join_policy"] == "approval"
    assert body["member_count"] == 3  # the moderator, ana and one more; not the pending one
    assert body["my_membership"] == {"status": "active", "role": "host"}

    r = api.get(f"/neighbourhoods/{croix.id}", headers=pending.headers)
    assert r.get_json()["my_membership"] == {"status": "pending", "role": "member"}
    # Neighbourhoods are public for discovery: an outsider sees one, without a membership.
    r = api.get(f"/neighbourhoods/{croix.id}", headers=stranger.headers)
    assert r.status_code == 200
    assert r.get_json()["my_membership"] is None
    assert r.get_json()["member_count"] == 3


def test_get_unknown_is_404(auth, api):
    ana = auth.user()
    assert_error(api.get("/neighbourhoods/999999", headers=ana.headers), 404)
