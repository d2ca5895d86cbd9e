"""A canteen's place (latitude, longitude) and currency, as meals embed them."""

from __future__ import annotations

import pytest

from tests.support.errors import assert_error

NEW = {"name": "La Marmite", "address": "3 rue Dumenge, Lyon", "default_capacity": 20}


def test_a_canteen_has_a_place_and_a_currency_eur_by_default(api, auth, kitchen):
    nh = auth.neighbourhood()
    r = api.post(f"/neighbourhoods/{nh.id}/canteens", json=NEW, as_=nh.moderator)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert (body["currency"], body["latitude"], body["longitude"]) == ("EUR", None, None)
    r = api.patch(
        f"/canteens/{body['id']}",
        json={"currency": "CHF", "latitude": 45.7745, "longitude": 4.8290},
        as_=nh.moderator,
    )
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["currency"], r.get_json()["latitude"]) == ("CHF", 45.7745)


def test_a_meal_embeds_its_canteen(api, auth, kitchen):
    canteen = kitchen.canteen()
    api.patch(
        f"/canteens/{canteen.id}",
        json={"currency": "GBP", "latitude": 51.5, "longitude": -0.12},
        as_=canteen.host,
    )
    meal = kitchen.meal(canteen)
    member = auth.member(canteen.neighbourhood)
    embedded = api.get(f"/meals/{meal.id}", as_=member).get_json()["canteen"]
    assert embedded == {
        "id": canteen.id,
        "name": canteen.name,
        "address": canteen.address,
        "timezone": canteen.timezone,
        "latitude": 51.5,
        "longitude": -0.12,
        "currency": "GBP",
    }
    summary = api.get(f"/meals/{meal.id}/summary", as_=canteen.host).get_json()
    assert summary["currency"] == "GBP"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "euro"}, "currency"),
        ({"currency": "eur"}, "currency"),
        ({"currency": "QQQ"}, "currency"),  # the right shape, but no such currency
        ({"latitude": 91}, "latitude"),
        ({"longitude": -181}, "longitude"),
    ],
)
def test_a_bad_place_or_currency_is_422(api, auth, kitchen, change, field):
    nh = auth.neighbourhood()
    r = api.post(f"/neighbourhoods/{nh.id}/canteens", json={**NEW, **change}, as_=nh.moderator)
    assert_error(r, 422, field)
    canteen = kitchen.canteen()
    assert_error(api.patch(f"/canteens/{canteen.id}", json=change, as_=canteen.host), 422, field)


def test_the_currency_error_is_in_french(api, auth):
    nh = auth.neighbourhood()
    r = api.post(
        f"/neighbourhoods/{nh.id}/canteens",
        json={**NEW, "currency": "euro"},
        as_=nh.moderator,
        headers={"Accept-Language": "fr"},
    )
    assert r.get_json()["errors"]["json"]["currency"] == [
        "Ce n'est pas un code de devise ISO 4217, comme EUR."
    ]
    assert r.get_json()["field_reasons"]["json"]["currency"] == ["bad_format"]
