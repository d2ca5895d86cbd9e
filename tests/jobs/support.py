"""Meals and signups for the job runner's tests, at exact moments."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from neighbours.extensions import db
from neighbours.meals.models import Canteen, Meal, SeatPool


def at_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def meal_at(
    kitchen: Any,
    starts_at: datetime,
    *,
    canteen: Any = None,
    pools: dict[str, int] | None = None,
    kitchen_lead: timedelta | None = timedelta(hours=2),
    title: str = "Soupe et pain partagé",
) -> Any:
    """A published meal starting exactly at `starts_at`; its kitchen `kitchen_lead` earlier."""
    meal = kitchen.meal(canteen, pools=pools or {"table": 10, "kitchen": 2})
    row = db.session.get(Meal, meal.id)
    row.title = title
    row.starts_at = starts_at
    row.ends_at = starts_at + timedelta(hours=2)
    row.signup_closes_at = starts_at - timedelta(minutes=30)
    for pool in db.session.query(SeatPool).filter_by(meal_id=meal.id):
        if pool.key == "kitchen" and kitchen_lead is not None:
            pool.starts_at = starts_at - kitchen_lead
    db.session.commit()
    return row


def set_canteen(canteen_id: int, **fields: Any) -> None:
    row = db.session.get(Canteen, canteen_id)
    for name, value in fields.items():
        setattr(row, name, value)
    db.session.commit()


def book(api: Any, meal_id: int, who: Any, pool: str = "table", party_size: int = 1) -> dict:
    response = api.post(
        f"/meals/{meal_id}/signups", json={"pool": pool, "party_size": party_size}, as_=who
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def notifications(api: Any, who: Any) -> list[dict]:
    response = api.get("/notifications", as_=who)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]
