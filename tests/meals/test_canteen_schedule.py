"""A canteen's reminder lead and morning-brief time: set on create and PATCH, validated."""

from __future__ import annotations

import pytest

from tests.support.errors import assert_error

BODY = {
    "name": "Cantine des Pentes",
    "address": "3 montée de la Grande Côte",
    "default_capacity": 20,
}


def test_a_new_canteen_reminds_three_hours_before_and_briefs_at_eight(api, auth):
    quartier = auth.neighbourhood()
    response = api.post(
        f"/neighbourhoods/{quartier.id}/canteens", json=BODY, as_=quartier.moderator
    )
    assert response.status_code == 201, response.get_json()
    assert (response.get_json()["reminder_minutes"], response.get_json()["brief_at"]) == (
        180,
        "08:00",
    )
    response = api.post(
        f"/neighbourhoods/{quartier.id}/canteens",
        json={**BODY, "reminder_minutes": 2880, "brief_at": "06:45"},
        as_=quartier.moderator,
    )
    assert (response.get_json()["reminder_minutes"], response.get_json()["brief_at"]) == (
        2880,
        "06:45",
    )


def test_its_hosts_change_them(api, kitchen):
    canteen = kitchen.canteen()
    response = api.patch(
        f"/canteens/{canteen.id}",
        json={"reminder_minutes": 45, "brief_at": "23:59"},
        as_=canteen.host,
    )
    assert response.status_code == 200, response.get_json()
    shown = api.get(f"/canteens/{canteen.id}", as_=canteen.host).get_json()
    assert (shown["reminder_minutes"], shown["brief_at"]) == (45, "23:59")
    listed = api.get(
        f"/neighbourhoods/{canteen.neighbourhood_id}/canteens", as_=canteen.host
    ).get_json()["items"][0]
    assert listed["reminder_minutes"] == 45


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"reminder_minutes": 14}, "reminder_minutes", "out_of_bounds"),
        ({"reminder_minutes": 2881}, "reminder_minutes", "out_of_bounds"),
        ({"reminder_minutes": "180"}, "reminder_minutes", "invalid"),
        ({"reminder_minutes": None}, "reminder_minutes", "null"),
        ({"brief_at": "8:00"}, "brief_at", "bad_format"),
        ({"brief_at": "24:00"}, "brief_at", "bad_format"),
        ({"brief_at": "08:00:00"}, "brief_at", "bad_format"),
        ({"brief_at": 800}, "brief_at", "invalid"),
    ],
)
def test_bad_values_are_422_naming_the_field(api, kitchen, body, field, reason):
    canteen = kitchen.canteen()
    response = api.patch(f"/canteens/{canteen.id}", json=body, as_=canteen.host)
    assert_error(response, 422)
    assert reason in str(response.get_json()["field_reasons"]["json"][field])


def test_only_its_hosts_and_moderators_may_change_them(api, auth, kitchen):
    canteen = kitchen.canteen()
    member = auth.member(canteen.neighbourhood)
    outsider = auth.member(auth.neighbourhood())
    body = {"reminder_minutes": 60}
    assert_error(api.patch(f"/canteens/{canteen.id}", json=body), 401)
    assert_error(api.patch(f"/canteens/{canteen.id}", json=body, as_=member), 403)
    assert_error(api.patch(f"/canteens/{canteen.id}", json=body, as_=outsider), 404)
    assert api.get(f"/canteens/{canteen.id}", as_=member).get_json()["reminder_minutes"] == 180
