"""Demo content that features add to `flask seed-demo`: a canteen and a week of meals."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from neighbours.database import utcnow
from neighbours.extensions import db

LYON = ZoneInfo("Europe/Paris")

WEEK_OF_MEALS = [
    (
        "Soupe au potiron et pain partagé",
        "Velouté de potiron, pain de campagne, fromage blanc",
        ["milk", "gluten"],
        ["vegetarian"],
    ),
    (
        "Couscous aux légumes",
        "Semoule, légumes du marché, pois chiches, harissa à part",
        ["gluten", "celery"],
        ["vegetarian", "vegan", "halal"],
    ),
    (
        "Dahl de lentilles corail",
        "Lentilles, lait de coco, riz basmati, chutney",
        ["mustard"],
        ["vegetarian", "vegan", "gluten_free"],
    ),
    (
        "Gratin dauphinois et salade",
        "Pommes de terre, crème, salade verte aux noix",
        ["milk", "nuts"],
        ["vegetarian", "gluten_free"],
    ),
    (
        "Tajine de poulet aux olives",
        "Poulet fermier, citron confit, olives, semoule",
        ["gluten"],
        ["halal", "no_pork"],
    ),
    (
        "Crêpes du quartier",
        "Crêpes salées et sucrées, cidre doux",
        ["gluten", "eggs", "milk", "sulphites"],
        ["vegetarian"],
    ),
    (
        "Brunch du dimanche",
        "Pain perdu, houmous, œufs brouillés, fruits",
        ["gluten", "eggs", "milk", "sesame"],
        ["vegetarian"],
    ),
]


def _local(day: datetime, at: time) -> datetime:
    return datetime.combine(day.date(), at, tzinfo=LYON)


def seed_meals(neighbourhood: Any) -> None:
    """A canteen hosted by the demo host, with a published meal each day of the coming week."""
    from neighbours.accounts.models import User
    from neighbours.meals.models import (
        Canteen,
        CanteenHost,
        Meal,
        MealStatus,
        SeatPool,
        Signup,
        SignupStatus,
    )

    if db.session.execute(
        select(Canteen.id).where(Canteen.neighbourhood_id == neighbourhood.id)
    ).first():
        return
    host = db.session.execute(
        select(User).where(User.email == "host@demo.neighbours.test")
    ).scalar_one()
    diner = db.session.execute(
        select(User).where(User.email == "lea@demo.neighbours.test")
    ).scalar_one()
    canteen = Canteen(
        neighbourhood_id=neighbourhood.id,
        name="La Cantine de la Croix-Rousse",
        address="8 place de la Croix-Rousse, 69004 Lyon",
        timezone="Europe/Paris",
        default_capacity=24,
    )
    db.session.add(canteen)
    db.session.flush()
    db.session.add(CanteenHost(canteen_id=canteen.id, user_id=host.id))
    today = utcnow().astimezone(LYON)
    for offset, (title, menu, allergens, diets) in enumerate(WEEK_OF_MEALS, start=1):
        day = today + timedelta(days=offset)
        starts_at = _local(day, time(12, 30) if day.weekday() >= 5 else time(19, 30))
        meal = Meal(
            canteen_id=canteen.id,
            neighbourhood_id=neighbourhood.id,
            title=title,
            menu=menu,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            signup_closes_at=starts_at - timedelta(hours=3),
            allergens=allergens,
            diets=diets,
            cost_price_cents=450,
            status=MealStatus.PUBLISHED,
            created_by_id=host.id,
            availability_version=1,
        )
        meal.pools = [
            SeatPool(key="table", label="At the table", capacity=24, taken=0, position=0),
            SeatPool(
                key="kitchen",
                label="Cooking in the kitchen",
                capacity=4,
                taken=0,
                position=1,
                starts_at=starts_at - timedelta(hours=2),
            ),
        ]
        db.session.add(meal)
        db.session.flush()
        if offset == 1:
            meal.pools[1].taken = 1
            db.session.add(
                Signup(
                    meal_id=meal.id,
                    pool_id=meal.pools[1].id,
                    user_id=diner.id,
                    party_size=1,
                    note="I'll bring bread",
                    status=SignupStatus.CONFIRMED,
                    waitlist_seq=1,
                    confirmed_at=utcnow(),
                )
            )


def extend_demo(neighbourhood: Any) -> None:
    """Each feature's demo content, in dependency order."""
    seed_meals(neighbourhood)
