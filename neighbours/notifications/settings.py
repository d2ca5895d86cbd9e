"""Notification settings: which reminders, briefs and digests a person wants.

The resource (`GET/PATCH /me/notification-settings`) is a tree of switches, each one a
boolean; a PATCH changes the switches it names and no others:

    {"reminders": {"diner": true, "kitchen": true, "waitlist": true},
     "morning_brief": true, "free_seats_digest": false}

It grows by new keys (a later issue adds per-type channels beside these), never by changing
what a key means: clients keep what they don't know and send only what they change.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from neighbours.accounts.models import User
from neighbours.extensions import db
from neighbours.notifications.models import NotificationSettings

# The switch at each path of the resource, and its column.
SWITCHES: dict[tuple[str, ...], str] = {
    ("reminders", "diner"): "diner_reminders",
    ("reminders", "kitchen"): "kitchen_reminders",
    ("reminders", "waitlist"): "waitlist_reminders",
    ("morning_brief",): "morning_brief",
    ("free_seats_digest",): "free_seats_digest",
}
DEFAULTS: dict[str, bool] = {
    "diner_reminders": True,
    "kitchen_reminders": True,
    "waitlist_reminders": True,
    "morning_brief": True,
    "free_seats_digest": False,
}


def _view(row: NotificationSettings | None) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path, column in SWITCHES.items():
        node = tree
        for key in path[:-1]:
            node = node.setdefault(key, {})
        value = getattr(row, column) if row is not None else None
        node[path[-1]] = DEFAULTS[column] if value is None else bool(value)
    return tree


def settings_of(user: User) -> dict[str, Any]:
    return _view(db.session.get(NotificationSettings, user.id))


def update_settings(user: User, changes: dict[str, Any]) -> dict[str, Any]:
    """Change the switches `changes` names (a validated partial tree); returns them all."""
    # The row made if missing (two first PATCHes at once: both then change it, one after the
    # other, instead of one failing on the key: probe 5), then locked for the change.
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(NotificationSettings)
        .values(user_id=user.id, **DEFAULTS)
        .on_conflict_do_nothing(index_elements=["user_id"])
    )
    row = db.session.execute(
        select(NotificationSettings)
        .where(NotificationSettings.user_id == user.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    for path, column in SWITCHES.items():
        node: Any = changes
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, bool):
            setattr(row, column, node)
    db.session.commit()
    return _view(row)


def turned_off(user_ids: list[int], column: str) -> set[int]:
    """Of these people, those who turned the switch `column` off (one query)."""
    if not user_ids:
        return set()
    found = db.session.execute(
        select(NotificationSettings.user_id, getattr(NotificationSettings, column)).where(
            NotificationSettings.user_id.in_(user_ids)
        )
    ).all()
    return {user_id for user_id, on in found if on is not None and not on}


def digest_subscribers() -> Select[tuple[int]]:
    """The ids of the people who asked for the free-seats digest."""
    return select(NotificationSettings.user_id).where(
        NotificationSettings.free_seats_digest.is_(True)
    )
