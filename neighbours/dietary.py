"""The vocabularies of dietary needs shared by profiles and meals."""

from __future__ import annotations

# The 14 allergens that EU Regulation 1169/2011 (Annex II) requires food businesses to declare.
EU_ALLERGENS: tuple[str, ...] = (
    "gluten",
    "crustaceans",
    "eggs",
    "fish",
    "peanuts",
    "soybeans",
    "milk",
    "nuts",
    "celery",
    "mustard",
    "sesame",
    "sulphites",
    "lupin",
    "molluscs",
)

DIETS: tuple[str, ...] = (
    "vegetarian",
    "vegan",
    "pescatarian",
    "halal",
    "kosher",
    "no_pork",
    "no_alcohol",
    "gluten_free",
    "lactose_free",
    "low_salt",
    "diabetic",
)


def clashing_allergens(declared: list[str], present: list[str]) -> list[str]:
    """The allergens in `present` that a person declared, in the EU list's order."""
    wanted = set(declared) & set(present)
    return [a for a in EU_ALLERGENS if a in wanted]
