"""Suspensions: looked up by the neighbourhoods feature (can_write), re-exported here."""

from __future__ import annotations

from typing import Any

from neighbours.accounts.models import User
from neighbours.errors import Forbidden
from neighbours.neighbourhoods.policies import active_suspension

__all__ = ["active_suspension", "refuse_writing"]


def refuse_writing(user: User, neighbourhood_id: int, message: Any) -> Forbidden:
    """The 403 for someone who may not write in a neighbourhood (`can_write` said no):
    `suspended` while a suspension runs, `membership_inactive` otherwise."""
    suspended = active_suspension(user.id, neighbourhood_id) is not None
    return Forbidden(message, reason="suspended" if suspended else "membership_inactive")
