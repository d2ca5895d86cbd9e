"""Canteens and their hosts: the contract of /neighbourhoods/{id}/canteens and /canteens/{id}."""

from __future__ import annotations

from datetime import timedelta

import pytest

from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.meals.models import Canteen, CanteenHost
from neighbours.neighbourhoods.models import Membership
from tests.support.errors import assert_error

CANTEEN = {
    "name": "La Cantine du Plateau",
    "address": "12 rue d'Austerlitz, Lyon",
    "timezone": "Europe/Paris",
    "default_capacity": 24,
}


def role_of(user_id: int, neighbourhood_id: int) -> str:
    db.session.expire_all()
    membership = (
        db.session.query(Membership)
        .filter_by(user_id=user_id, neighbourhood_id=neighbourhood_id)
        .one()
    )
    return membership.role.value


# --- POST /neighbourhoods/{id}/canteens ---------------------------------------------------


def test_moderator_opens_a_canteen(api, auth):
    nh = auth.neighbourhood()
    r = api.post(f"/neighbourhoods/{nh.id}/canteens", json=CANTEEN, headers=nh.moderator.headers)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["neighbourhood_id"] == nh.id
    assert body["name"] == "La Cantine du Plateau"
    assert body["address"] == "12 rue d'Austerlitz, Lyon"
    assert body["timezone"] == "Europe/Paris"
    assert body["default_capacity"] == 24
    assert body["hosts"] == []
    assert body["created_at"].endswith("Z")
    assert db.session.get(Canteen, body["id"]).neighbourhood_id == nh.id


def test_create_canteen_trims_and_defaults_timezone(api, auth):
    nh = auth.neighbourhood()
    data = {"name": "  Chez Nous  ", "address": "1 place Bellecour", "default_capacity": 8}
    r = api.post(f"/neighbourhoods/{nh.id}/canteens", json=data, headers=nh.moderator.headers)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["name"] == "Chez Nous"
    assert r.get_json()["timezone"] == "Europe/Paris"


@pytest.mark.parametrize("role", ["member", "host"])
def test_create_canteen_is_for_moderators(api, auth, role):
    nh = auth.neighbourhood()
    actor = auth.member(nh, role=role)
    r = api.post(f"/neighbourhoods/{nh.id}/canteens", json=CANTEEN, headers=actor.headers)
    assert_error(r, 403)
    assert db.session.query(Canteen).count() == 0


def test_create_canteen_by_a_moderator_elsewhere_is_403(api, auth):
    nh = auth.neighbourhood()
    other = auth.neighbourhood()
    r = api.post(f"/neighbourhoods/{nh.id}/canteens", json=CANTEEN, headers=other.moderator.headers)
    assert_error(r, 403)


def test_create_canteen_in_a_missing_neighbourhood_is_404(api, auth):
    user = auth.user()
    r = api.post("/neighbourhoods/999999/canteens", json=CANTEEN, headers=user.headers)
    assert_error(r, 404)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"default_capacity": 0}, "default_capacity"),
        ({"default_capacity": "lots"}, "default_capacity"),
        ({"name": "   "}, "name"),
        ({"name": None}, "name"),
        ({"address": "x" * 201}, "address"),
    ],
)
def test_create_canteen_bad_input_is_422(api, auth, change, field):
    nh = auth.neighbourhood()
    r = api.post(
        f"/neighbourhoods/{nh.id}/canteens",
        json={**CANTEEN, **change},
        headers=nh.moderator.headers,
    )
    assert_error(r, 422, field)


def test_create_canteen_missing_fields_are_named(api, auth):
    nh = auth.neighbourhood()
    r = api.post(f"/neighbourhoods/{nh.id}/canteens", json={}, headers=nh.moderator.headers)
    body = assert_error(r, 422)
    assert set(body["errors"]["json"]) == {"name", "address", "default_capacity"}


# --- GET /neighbourhoods/{id}/canteens ----------------------------------------------------


def test_members_list_canteens_with_pagination(api, auth, kitchen):
    nh = auth.neighbourhood()
    canteens = [kitchen.canteen(nh) for _ in range(3)]
    kitchen.canteen()  # another neighbourhood's
    member = auth.member(nh)
    r = api.get(f"/neighbourhoods/{nh.id}/canteens?limit=2", headers=member.headers)
    assert r.status_code == 200, r.get_json()
    first = r.get_json()
    assert [c["id"] for c in first["items"]] == [canteens[0].id, canteens[1].id]
    assert first["next_cursor"]
    r = api.get(
        f"/neighbourhoods/{nh.id}/canteens",
        query_string={"limit": 2, "after": first["next_cursor"]},
        headers=member.headers,
    )
    assert [c["id"] for c in r.get_json()["items"]] == [canteens[2].id]
    assert r.get_json()["next_cursor"] is None


@pytest.mark.parametrize("status", [None, "pending"])
def test_list_canteens_is_403_for_non_members(api, auth, kitchen, status):
    canteen = kitchen.canteen()
    nh = canteen.neighbourhood
    outsider = auth.member(nh, status=status) if status else auth.member(auth.neighbourhood())
    assert_error(api.get(f"/neighbourhoods/{nh.id}/canteens", headers=outsider.headers), 403)


def test_list_canteens_bad_limit_is_422(api, auth):
    nh = auth.neighbourhood()
    r = api.get(f"/neighbourhoods/{nh.id}/canteens?limit=0", headers=nh.moderator.headers)
    assert_error(r, 422, "limit", location="query")


# --- GET /canteens/{id} -------------------------------------------------------------------


def test_member_reads_a_canteen_with_its_hosts(api, auth, kitchen):
    canteen = kitchen.canteen()
    member = auth.member(canteen.neighbourhood)
    r = api.get(f"/canteens/{canteen.id}", headers=member.headers)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["id"] == canteen.id
    assert body["hosts"] == [
        {"id": canteen.host.id, "display_name": canteen.host.display_name, "avatar_url": None}
    ]


@pytest.mark.parametrize("status", [None, "pending"])
def test_get_canteen_is_404_outside_the_neighbourhood(api, auth, kitchen, status):
    canteen = kitchen.canteen()
    nh = canteen.neighbourhood
    outsider = auth.member(nh, status=status) if status else auth.member(auth.neighbourhood())
    assert_error(api.get(f"/canteens/{canteen.id}", headers=outsider.headers), 404)
    assert_error(api.get("/canteens/999999", headers=outsider.headers), 404)


# --- PATCH /canteens/{id} -----------------------------------------------------------------


@pytest.mark.parametrize("who", ["host", "moderator"])
def test_hosts_and_moderators_edit_a_canteen(api, kitchen, who):
    canteen = kitchen.canteen()
    actor = canteen.host if who == "host" else canteen.neighbourhood.moderator
    r = api.patch(
        f"/canteens/{canteen.id}",
        json={"name": "La Grande Table", "default_capacity": 30, "timezone": "Europe/Brussels"},
        headers=actor.headers,
    )
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["name"], body["default_capacity"], body["timezone"]) == (
        "La Grande Table",
        30,
        "Europe/Brussels",
    )
    assert body["address"] == "12 rue d'Austerlitz, Lyon"


def test_patch_canteen_by_a_member_is_403(api, auth, kitchen):
    canteen = kitchen.canteen()
    member = auth.member(canteen.neighbourhood)
    r = api.patch(f"/canteens/{canteen.id}", json={"name": "Mine"}, headers=member.headers)
    assert_error(r, 403)
    db.session.expire_all()
    assert db.session.get(Canteen, canteen.id).name == "La Cantine du Plateau"


def test_patch_canteen_by_a_host_of_another_canteen_is_403(api, kitchen):
    canteen = kitchen.canteen()
    other = kitchen.canteen(canteen.neighbourhood)
    r = api.patch(f"/canteens/{canteen.id}", json={"name": "Mine"}, headers=other.host.headers)
    assert_error(r, 403)


def test_patch_canteen_outside_the_neighbourhood_is_404(api, auth, kitchen):
    canteen = kitchen.canteen()
    other = kitchen.canteen()
    r = api.patch(f"/canteens/{canteen.id}", json={"name": "Mine"}, headers=other.host.headers)
    assert_error(r, 404)
    outsider_moderator = auth.neighbourhood().moderator
    r = api.patch(
        f"/canteens/{canteen.id}", json={"name": "Mine"}, headers=outsider_moderator.headers
    )
    assert_error(r, 404)


@pytest.mark.parametrize(
    ("change", "field"),
    [({"timezone": "Mars/Olympus"}, "timezone"), ({"default_capacity": -1}, "default_capacity")],
)
def test_patch_canteen_bad_input_is_422(api, kitchen, change, field):
    canteen = kitchen.canteen()
    r = api.patch(f"/canteens/{canteen.id}", json=change, headers=canteen.host.headers)
    assert_error(r, 422, field)


# --- POST/DELETE /canteens/{id}/hosts/{user_id} ---------------------------------------------


def test_moderator_appoints_a_host(api, auth, kitchen):
    canteen = kitchen.canteen()
    nh = canteen.neighbourhood
    member = auth.member(nh, name="Aïcha")
    r = api.post(f"/canteens/{canteen.id}/hosts/{member.id}", headers=nh.moderator.headers)
    assert r.status_code == 201, r.get_json()
    assert [h["id"] for h in r.get_json()["hosts"]] == [canteen.host.id, member.id]
    assert role_of(member.id, nh.id) == "host"
    # Appointing again changes nothing.
    r = api.post(f"/canteens/{canteen.id}/hosts/{member.id}", headers=nh.moderator.headers)
    assert r.status_code == 201
    assert [h["id"] for h in r.get_json()["hosts"]] == [canteen.host.id, member.id]
    # The new host can now create meals at the canteen.
    starts = utcnow() + timedelta(days=3)
    r = api.post(
        f"/canteens/{canteen.id}/meals",
        json={
            "title": "Couscous",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
        },
        headers=member.headers,
    )
    assert r.status_code == 201, r.get_json()


def test_a_moderator_appointed_host_stays_moderator(api, kitchen):
    canteen = kitchen.canteen()
    nh = canteen.neighbourhood
    r = api.post(f"/canteens/{canteen.id}/hosts/{nh.moderator.id}", headers=nh.moderator.headers)
    assert r.status_code == 201
    assert role_of(nh.moderator.id, nh.id) == "moderator"
    r = api.delete(f"/canteens/{canteen.id}/hosts/{nh.moderator.id}", headers=nh.moderator.headers)
    assert r.status_code == 204
    assert role_of(nh.moderator.id, nh.id) == "moderator"


@pytest.mark.parametrize("who", ["member", "host"])
def test_add_host_is_for_moderators(api, auth, kitchen, who):
    canteen = kitchen.canteen()
    member = auth.member(canteen.neighbourhood)
    actor = canteen.host if who == "host" else auth.member(canteen.neighbourhood)
    r = api.post(f"/canteens/{canteen.id}/hosts/{member.id}", headers=actor.headers)
    assert_error(r, 403)
    assert role_of(member.id, canteen.neighbourhood.id) == "member"
    assert db.session.get(CanteenHost, (canteen.id, member.id)) is None


def test_add_host_outside_the_neighbourhood_is_404(api, auth, kitchen):
    canteen = kitchen.canteen()
    member = auth.member(canteen.neighbourhood)
    other_moderator = auth.neighbourhood().moderator
    r = api.post(f"/canteens/{canteen.id}/hosts/{member.id}", headers=other_moderator.headers)
    assert_error(r, 404)


@pytest.mark.parametrize("target", ["stranger", "pending", "missing"])
def test_add_host_needs_an_active_member(api, auth, kitchen, target):
    canteen = kitchen.canteen()
    nh = canteen.neighbourhood
    if target == "stranger":
        user_id = auth.member(auth.neighbourhood()).id
    elif target == "pending":
        user_id = auth.member(nh, status="pending").id
    else:
        user_id = 999999
    r = api.post(f"/canteens/{canteen.id}/hosts/{user_id}", headers=nh.moderator.headers)
    assert_error(r, 404)
    assert db.session.query(CanteenHost).filter_by(user_id=user_id).count() == 0


def test_moderator_removes_a_host(api, auth, kitchen):
    canteen = kitchen.canteen()
    nh = canteen.neighbourhood
    host = canteen.host
    r = api.delete(f"/canteens/{canteen.id}/hosts/{host.id}", headers=nh.moderator.headers)
    assert r.status_code == 204
    assert r.get_data() == b""
    assert role_of(host.id, nh.id) == "member"
    r = api.get(f"/canteens/{canteen.id}", headers=host.headers)
    assert r.get_json()["hosts"] == []
    # No longer a host: creating a meal is refused.
    starts = utcnow() + timedelta(days=3)
    r = api.post(
        f"/canteens/{canteen.id}/meals",
        json={
            "title": "Couscous",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
        },
        headers=host.headers,
    )
    assert_error(r, 403)


def test_removing_one_of_two_canteens_keeps_the_host_role(api, kitchen):
    canteen = kitchen.canteen()
    nh = canteen.neighbourhood
    second = kitchen.canteen(nh, canteen.host)
    r = api.delete(f"/canteens/{canteen.id}/hosts/{canteen.host.id}", headers=nh.moderator.headers)
    assert r.status_code == 204
    assert role_of(canteen.host.id, nh.id) == "host"
    r = api.delete(f"/canteens/{second.id}/hosts/{canteen.host.id}", headers=nh.moderator.headers)
    assert r.status_code == 204
    assert role_of(canteen.host.id, nh.id) == "member"


def test_remove_host_is_for_moderators(api, auth, kitchen):
    canteen = kitchen.canteen()
    co_host = auth.member(canteen.neighbourhood, role="host")
    db.session.add(CanteenHost(canteen_id=canteen.id, user_id=co_host.id))
    db.session.commit()
    r = api.delete(f"/canteens/{canteen.id}/hosts/{canteen.host.id}", headers=co_host.headers)
    assert_error(r, 403)
    assert db.session.get(CanteenHost, (canteen.id, canteen.host.id)) is not None


def test_remove_host_outside_the_neighbourhood_is_404(api, auth, kitchen):
    canteen = kitchen.canteen()
    other_moderator = auth.neighbourhood().moderator
    r = api.delete(
        f"/canteens/{canteen.id}/hosts/{canteen.host.id}", headers=other_moderator.headers
    )
    assert_error(r, 404)


def test_removing_someone_who_is_not_a_host_is_404(api, auth, kitchen):
    canteen = kitchen.canteen()
    member = auth.member(canteen.neighbourhood)
    r = api.delete(
        f"/canteens/{canteen.id}/hosts/{member.id}",
        headers=canteen.neighbourhood.moderator.headers,
    )
    assert_error(r, 404)


def test_patch_canteen_changes_only_what_it_names(api, kitchen):
    canteen = kitchen.canteen()
    headers = canteen.host.headers
    r = api.patch(f"/canteens/{canteen.id}", json={"timezone": "America/Montreal"}, headers=headers)
    assert r.status_code == 200, r.get_json()
    r = api.patch(f"/canteens/{canteen.id}", json={"name": "Le Réfectoire"}, headers=headers)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["name"], body["timezone"], body["default_capacity"]) == (
        "Le Réfectoire",
        "America/Montreal",
        10,
    )
