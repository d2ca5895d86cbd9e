"""Meals as moderation targets: reported to the neighbourhood's moderators (never hidden)."""

from __future__ import annotations

from flask import Flask

from neighbours.accounts.models import User
from neighbours.meals.policies import visible_meal
from neighbours.moderation.models import TargetType
from neighbours.moderation.targets import Target, TargetKind, register_target
from neighbours.timefmt import iso


def _resolve_meal(reader: User, meal_id: int) -> Target:
    meal = visible_meal(reader, meal_id)
    return Target(
        TargetType.MEAL,
        meal.id,
        meal.neighbourhood_id,
        meal.created_by_id,
        {"title": meal.title, "menu": meal.menu, "starts_at": iso(meal.starts_at)},
    )


def register(app: Flask) -> None:
    register_target(app, TargetKind(TargetType.MEAL, _resolve_meal))
