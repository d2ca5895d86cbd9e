"""Every model, imported in one place so that Alembic and `db.create_all` see all tables."""

from neighbours.accounts.models import AccessToken, Block, User
from neighbours.idempotency import IdempotencyKey
from neighbours.neighbourhoods.models import Invite, Membership, Neighbourhood
from neighbours.notifications.models import Notification

__all__ = [
    "AccessToken",
    "Block",
    "IdempotencyKey",
    "Invite",
    "Membership",
    "Neighbourhood",
    "Notification",
    "User",
]
