"""Every model, imported in one place so that Alembic and `db.create_all` see all tables."""

from neighbours.accounts.models import AccessToken, Block, User
from neighbours.idempotency import IdempotencyKey
from neighbours.meals.models import Canteen, CanteenHost, Meal, SeatPool, Signup
from neighbours.neighbourhoods.models import Invite, Membership, Neighbourhood
from neighbours.notifications.models import Notification

__all__ = [
    "AccessToken",
    "Block",
    "Canteen",
    "CanteenHost",
    "IdempotencyKey",
    "Invite",
    "Meal",
    "Membership",
    "Neighbourhood",
    "Notification",
    "SeatPool",
    "Signup",
    "User",
]
