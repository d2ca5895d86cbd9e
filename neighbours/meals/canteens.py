"""Canteens: creating, listing and editing them, and who hosts them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from neighbours.accounts.models import User
from neighbours.extensions import db
from neighbours.meals import policies
from neighbours.meals.models import (
    Canteen,
    CanteenHost,
)
from neighbours.neighbourhoods import policies as neighbourhood_policies
from neighbours.pagination import Page, SortKey, paginate


def create_canteen(user: User, neighbourhood_id: int, fields: dict[str, Any]) -> Canteen:
    neighbourhood = neighbourhood_policies.get_neighbourhood(neighbourhood_id)
    neighbourhood_policies.require_moderator(user, neighbourhood)
    canteen = Canteen(neighbourhood_id=neighbourhood.id, **fields)
    db.session.add(canteen)
    db.session.commit()
    return canteen


def list_canteens(
    user: User, neighbourhood_id: int, *, limit: int, after: str | None
) -> Page[Canteen]:
    neighbourhood = neighbourhood_policies.get_neighbourhood(neighbourhood_id)
    neighbourhood_policies.require_member(user, neighbourhood)
    stmt = select(Canteen).where(Canteen.neighbourhood_id == neighbourhood.id)
    return paginate(
        db.session, stmt, [SortKey(Canteen.id)], lambda c: [c.id], limit=limit, after=after
    )


def update_canteen(user: User, canteen_id: int, fields: dict[str, Any]) -> Canteen:
    canteen = policies.visible_canteen(user, canteen_id)
    policies.require_canteen_manager(user, canteen)
    for name, value in fields.items():
        setattr(canteen, name, value)
    db.session.commit()
    return canteen


def canteen_hosts(canteen_ids: list[int]) -> dict[int, list[User]]:
    """The current hosts of several canteens in one query (see `policies.current_hosts`)."""
    hosts: dict[int, list[User]] = {cid: [] for cid in canteen_ids}
    if canteen_ids:
        current = (
            policies.current_hosts(with_suspended=True)
            .add_columns(CanteenHost.created_at)
            .where(CanteenHost.canteen_id.in_(canteen_ids))
            .subquery()
        )
        rows = db.session.execute(
            select(current.c.canteen_id, User)
            .join(User, User.id == current.c.user_id)
            .order_by(current.c.created_at, User.id)
        ).all()
        for canteen_id, user in rows:
            hosts[canteen_id].append(user)
    return hosts
