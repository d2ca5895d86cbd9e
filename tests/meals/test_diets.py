"""Diets are a lattice: a menu marked vegan suits vegetarians too, and so on down."""

from __future__ import annotations

import pytest

from neighbours.dietary import DIETS, IMPLIES, suited_diets, unsuited_diets
from neighbours.meals.views import warnings_for


@pytest.mark.parametrize(
    ("marked", "declared", "unsuited"),
    [
        (["vegan"], ["vegetarian"], []),
        (["vegan"], ["pescatarian", "lactose_free", "no_pork"], []),
        (["vegetarian"], ["vegan"], ["vegan"]),
        (["vegetarian"], ["pescatarian", "no_pork"], []),
        (["pescatarian"], ["vegetarian"], ["vegetarian"]),
        (["halal"], ["no_pork", "no_alcohol", "kosher"], ["kosher"]),
        ([], ["vegetarian", "low_salt"], ["vegetarian", "low_salt"]),
    ],
)
def test_what_a_menu_suits(marked, declared, unsuited):
    assert unsuited_diets(declared, marked) == unsuited


def test_the_lattice_names_only_known_diets_and_has_no_cycle():
    for diet, implied in IMPLIES.items():
        assert diet in DIETS and set(implied) <= set(DIETS)
        assert diet not in suited_diets(list(implied))


def test_a_vegan_meal_is_not_flagged_unsuited_to_a_vegetarian(api, auth, kitchen, db):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen)
    meal.diets = ["vegan"]
    db.session.commit()
    vegetarian = auth.member(canteen.neighbourhood, diets=["vegetarian"])
    body = api.get(f"/meals/{meal.id}", as_=vegetarian).get_json()
    assert body["unsuited_diets"] == []
    listed = api.get(f"/neighbourhoods/{canteen.neighbourhood.id}/meals", as_=vegetarian)
    assert listed.get_json()["items"][0]["unsuited_diets"] == []


def test_warnings_for_uses_the_lattice():
    class Someone:
        allergens: list[str] = []
        diets = ["vegetarian", "vegan"]

    class Menu:
        allergens: list[str] = []
        diets = ["vegetarian"]

    assert warnings_for(Someone(), Menu()) == ([], ["vegan"])
