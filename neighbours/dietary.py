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


# Diets are a lattice: a menu marked with the key suits each diet listed too (and, transitively,
# what those imply). What suits a vegan suits a vegetarian; a vegetarian menu suits a
# pescatarian and has no pork; a halal menu has no pork and no alcohol.
IMPLIES: dict[str, tuple[str, ...]] = {
    "vegan": ("vegetarian", "lactose_free"),
    "vegetarian": ("pescatarian", "no_pork"),
    "halal": ("no_pork", "no_alcohol"),
    "kosher": ("no_pork",),
}


def suited_diets(marked: list[str]) -> set[str]:
    """Every diet a menu marked with `marked` suits: those and all they imply."""
    suited: set[str] = set()
    todo = list(marked)
    while todo:
        diet = todo.pop()
        if diet not in suited:
            suited.add(diet)
            todo.extend(IMPLIES.get(diet, ()))
    return suited


def unsuited_diets(declared: list[str], marked: list[str]) -> list[str]:
    """The diets someone declared that a menu marked with `marked` doesn't suit, in order."""
    suited = suited_diets(marked)
    return [d for d in DIETS if d in declared and d not in suited]
