"""Factories for canteens and meals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from neighbours.database import utcnow
from neighbours.extensions import db


class Kitchen:
    """Builds a neighbourhood with a canteen, its host, and meals, for meal tests."""

    def __init__(self, auth: Any) -> None:
        self.auth = auth

    def canteen(self, neighbourhood: Any = None, host: Any = None, *, capacity: int = 10) -> Any:
        from neighbours.meals.models import Canteen, CanteenHost

        neighbourhood = neighbourhood or self.auth.neighbourhood()
        host = host or self.auth.member(neighbourhood, role="host")
        canteen = Canteen(
            neighbourhood_id=neighbourhood.id,
            name="La Cantine du Plateau",
            address="12 rue d'Austerlitz, Lyon",
            timezone="Europe/Paris",
            default_capacity=capacity,
        )
        db.session.add(canteen)
        db.session.flush()
        db.session.add(CanteenHost(canteen_id=canteen.id, user_id=host.id))
        db.session.commit()
        canteen.host = host
        canteen.neighbourhood = neighbourhood
        return canteen

    def meal(
        self,
        canteen: Any = None,
        *,
        pools: dict[str, int] | None = None,
        status: str = "published",
        starts_in: timedelta = timedelta(days=2),
        allergens: list[str] | None = None,
        cost_price_cents: int = 500,
        closes_at: Any = None,
    ) -> Any:
        from neighbours.meals.models import Meal, MealStatus, SeatPool

        canteen = canteen or self.canteen()
        starts_at = utcnow() + starts_in
        meal = Meal(
            canteen_id=canteen.id,
            neighbourhood_id=canteen.neighbourhood_id,
            title="Soupe et pain partagé",
            menu="Velouté de potiron, pain de campagne, tarte aux pommes",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            signup_closes_at=closes_at or starts_at - timedelta(hours=1),
            allergens=allergens or [],
            diets=["vegetarian"],
            cost_price_cents=cost_price_cents,
            status=MealStatus(status),
            availability_version=0,
        )
        meal.pools = [
            SeatPool(key=key, label=key.capitalize(), capacity=capacity, taken=0, position=i)
            for i, (key, capacity) in enumerate((pools or {"table": 10, "kitchen": 2}).items())
        ]
        db.session.add(meal)
        db.session.commit()
        meal.canteen_obj = canteen
        return meal


@pytest.fixture
def kitchen(auth: Any) -> Kitchen:
    return Kitchen(auth)
