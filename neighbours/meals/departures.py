"""When someone goes: leaving a neighbourhood, losing the host role, deleting their account.

Their future seats go to the waitlist and their hosting ends. Registered on the hooks of
`neighbours.neighbourhoods.hooks` and `neighbours.accounts.hooks` by `neighbours.wiring`;
also the meals' section of an account's export.
"""

from __future__ import annotations

from typing import Any

from neighbours.accounts.export import dump_rows
from neighbours.accounts.models import User
from neighbours.meals.hosting import end_hosting
from neighbours.meals.models import CalendarFeed, Signup
from neighbours.meals.signups import withdraw_future_signups


def let_go(user: User, neighbourhood_id: int | None = None, actor_id: int | None = None) -> None:
    """Someone leaves a neighbourhood (or, deleting their account, every one): their seats go
    to the waitlist now, not when the meal comes, and their hosting ends there."""
    withdraw_future_signups(user, neighbourhood_id, actor_id=actor_id)
    end_hosting(user.id, neighbourhood_id)


def stop_hosting(user_id: int, neighbourhood_id: int) -> None:
    """Their role there can no longer host."""
    end_hosting(user_id, neighbourhood_id)


def export_section(user: User) -> dict[str, Any]:
    return {
        "signups": dump_rows(
            Signup,
            [
                "id",
                "meal_id",
                "party_size",
                "note",
                "status",
                "attendance",
                "contribution_cents",
                "created_at",
                "confirmed_at",
                "cancelled_at",
            ],
            Signup.user_id == user.id,
        ),
        # Whether a calendar feed is on, and since when (its secret is not kept).
        "calendar_feeds": dump_rows(CalendarFeed, ["created_at"], CalendarFeed.user_id == user.id),
    }
