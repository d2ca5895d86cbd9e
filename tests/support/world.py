"""A small seeded neighbourhood for the suites that visit every operation, and the document
that lists those operations."""

from __future__ import annotations

from datetime import time, timedelta
from functools import cache
from typing import Any

from neighbours import create_app
from neighbours.database import utcnow
from neighbours.extensions import db
from tests.support.factories import Actor
from tests.support.settings import base_config


def seed_world(auth: Any) -> Actor:
    """A neighbourhood with a moderator (returned), a host, a member, a canteen, meals, a
    meal series, a post with a comment, a conversation and a signup: the first row of most
    tables."""
    from neighbours.feed.models import Category, Comment, Post
    from neighbours.meals.models import (
        Canteen,
        CanteenHost,
        Meal,
        MealSeries,
        MealStatus,
        SeatPool,
    )

    moderator = auth.user("Modératrice")
    quartier = auth.neighbourhood(moderator, name="Croix-Rousse")
    host = auth.member(quartier, role="host")
    member = auth.member(quartier)
    canteen = Canteen(
        neighbourhood_id=quartier.id,
        name="Cantine",
        address="1 place Colbert, Lyon",
        timezone="Europe/Paris",
        default_capacity=10,
    )
    db.session.add(canteen)
    db.session.flush()
    db.session.add(CanteenHost(canteen_id=canteen.id, user_id=moderator.id))
    db.session.add(CanteenHost(canteen_id=canteen.id, user_id=host.id))
    starts = utcnow() + timedelta(days=2)
    for status in (MealStatus.PUBLISHED, MealStatus.DRAFT):
        meal = Meal(
            canteen_id=canteen.id,
            neighbourhood_id=quartier.id,
            title="Soupe",
            menu="Soupe, pain",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            signup_closes_at=starts - timedelta(hours=1),
            allergens=["gluten"],
            diets=["vegetarian"],
            cost_price_cents=500,
            status=status,
            availability_version=0,
        )
        meal.pools = [
            SeatPool(key="table", label="Table", capacity=8, taken=0, position=0),
            SeatPool(key="kitchen", label="Kitchen", capacity=2, taken=0, position=1),
        ]
        db.session.add(meal)
    db.session.add(
        MealSeries(
            canteen_id=canteen.id,
            neighbourhood_id=quartier.id,
            title="Déjeuner",
            menu="Soupe",
            allergens=[],
            diets=[],
            cost_price_cents=0,
            rrule="FREQ=WEEKLY;BYDAY=MO",
            starts_on=(starts + timedelta(days=60)).date(),
            start_time=time(12, 30),
            duration_minutes=90,
            signup_closes_before_minutes=0,
            pools=[{"key": "table", "label": "Table", "capacity": 8, "start_time": None}],
            count=4,
            publish=False,
            version=0,
        )
    )
    post = Post(
        neighbourhood_id=quartier.id,
        author_id=member.id,
        category=Category.GENERAL,
        title="Perceuse",
        body="Quelqu'un a une perceuse ?",
    )
    db.session.add(post)
    db.session.flush()
    db.session.add(Comment(post_id=post.id, author_id=moderator.id, body="Oui, moi."))
    db.session.commit()
    return moderator


@cache
def document() -> dict[str, Any]:
    """The OpenAPI document, as served (built once: it does not depend on the database)."""
    return create_app(base_config()).test_client().get("/api/openapi.json").get_json()
