"""The other person of a notification (`actor`), always as they are now.

A notification stores only its actor's id: every read (the list, the live event, the export)
shows the person as they are at that moment, the people of a whole page found in one query, so
a new name or avatar shows at once and a deleted account reads as a former neighbour. Rows
stored before this kept a copy of the name and avatar: reads ignore it, and deleting the
account scrubs it (`forget_actor`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import inspect, or_, select
from sqlalchemy.orm.util import identity_key

from neighbours.accounts.models import User
from neighbours.accounts.schemas import person
from neighbours.accounts.services import FORMER_NEIGHBOUR
from neighbours.extensions import db
from neighbours.notifications.models import Notification

# The keys under which rows have named the actor (older rows said `author` or `from`).
_ACTOR_KEYS = ("actor", "author", "from")


def actor_id(payload: dict[str, Any]) -> int | None:
    """The id of the person a (normalized) payload names as `actor`, if any."""
    actor = payload.get("actor")
    uid = actor.get("id") if isinstance(actor, dict) else None
    return uid if isinstance(uid, int) and not isinstance(uid, bool) else None


def stored(payload: dict[str, Any]) -> dict[str, Any]:
    """What is stored of a new notification's payload: its actor by id only."""
    uid = actor_id(payload)
    return {**payload, "actor": {"id": uid}} if uid is not None else dict(payload)


def people_now(ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """user id -> `{id, display_name, avatar_url}` as stored now: the people this session has
    already loaded, and the others in one query."""
    wanted = set(ids)
    found: dict[int, dict[str, Any]] = {}
    for uid in wanted:
        user = db.session.identity_map.get(identity_key(User, uid))
        if user is not None and not {"display_name", "avatar_url"} & inspect(user).unloaded:
            found[uid] = person(user)
    rest = wanted - found.keys()
    if rest:
        rows = db.session.execute(
            select(User.id, User.display_name, User.avatar_url).where(User.id.in_(rest))
        )
        for row in rows:
            found[row.id] = person(row)
    return found


def with_actors(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """These (normalized) payloads, each `actor` replaced by the person as they are now."""
    people = people_now(uid for p in payloads if (uid := actor_id(p)) is not None)
    shown = []
    for payload in payloads:
        uid = actor_id(payload)
        if uid is not None:
            gone = {"id": uid, "display_name": FORMER_NEIGHBOUR, "avatar_url": None}
            payload = {**payload, "actor": people.get(uid, gone)}
        shown.append(payload)
    return shown


def forget_actor(user: User) -> None:
    """A deletion hook: the notifications of others that still hold a copy of this person's
    name or avatar (rows stored before actors were kept by id) keep only the id."""
    named = or_(
        *(Notification.payload[(key, "id")].as_string() == str(user.id) for key in _ACTOR_KEYS)
    )
    for notification in db.session.execute(select(Notification).where(named)).scalars():
        payload = dict(notification.payload or {})
        for key in _ACTOR_KEYS:
            if isinstance(payload.get(key), dict) and payload[key].get("id") == user.id:
                payload[key] = {"id": user.id}
        if payload != notification.payload:
            notification.payload = payload
