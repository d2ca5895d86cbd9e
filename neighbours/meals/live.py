"""Meals on the live layer: the `meal:watch` / `meal:unwatch` socket events, and the room
provider that keeps a socket's watched meals in its rooms while their user may see them.

Registered with `neighbours.realtime` by `neighbours.wiring`.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from neighbours.accounts.models import User
from neighbours.errors import AppError, Unauthorized
from neighbours.extensions import db
from neighbours.fields import MAX_ID
from neighbours.meals import policies
from neighbours.meals.views import neighbourhoods_of, watchable_meal
from neighbours.neighbourhoods.policies import can_write
from neighbours.realtime.errors import error_ack
from neighbours.realtime.handlers import app_error_ack
from neighbours.realtime.live import current_socket, join, leave
from neighbours.realtime.registry import LiveSocket
from neighbours.realtime.rooms import meal_room

# Where a socket keeps the meals it watches: meal id -> neighbourhood id, so that losing the
# neighbourhood also stops its meals.
WATCHING = "meals.watching"
_BAD_MEAL_ID = _l("meal_id must be an integer from 1 to %(max)s.", max=MAX_ID)
# Acks go through the json module, which knows no lazy string: str() them at the call.
_NOT_SIGNED_IN = _l("This socket is not signed in, so it can't watch meals.")


def _meal_id(data: Any) -> int | None:
    """A meal id from 1 to MAX_ID (the database's INTEGER), or None."""
    value = data.get("meal_id") if isinstance(data, dict) else None
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
        return value
    return None


def _socket_and_meal(data: Any) -> tuple[LiveSocket, int] | dict[str, Any]:
    """The calling socket and the meal id an event names, or the error ack to answer."""
    live = current_socket()
    if live is None:
        return app_error_ack(Unauthorized(str(_NOT_SIGNED_IN)))
    meal_id = _meal_id(data)
    if meal_id is None:
        return error_ack(422, str(_BAD_MEAL_ID), "meal_id")
    return live, meal_id


def on_meal_watch(data: Any = None) -> dict[str, Any]:
    """Watch a meal's seats; only members of its neighbourhood may."""
    found = _socket_and_meal(data)
    if isinstance(found, dict):
        return found
    live, meal_id = found
    user = db.session.get(User, live.user_id)
    try:
        if user is None or user.deleted_at is not None:
            raise Unauthorized(str(_NOT_SIGNED_IN))
        neighbourhood_id, availability, version = watchable_meal(user, meal_id)
    except AppError as exc:
        return app_error_ack(exc)
    if not can_write(user, neighbourhood_id):
        # A suspended member reads over REST, but their sockets stay out of its rooms.
        return error_ack(403, gettext("You can't follow this neighbourhood live right now."))
    live.extras.setdefault(WATCHING, {})[meal_id] = neighbourhood_id
    join(live, meal_room(meal_id))
    # The version lets the client drop any `meal:availability` older than this snapshot.
    return {"ok": True, "meal_id": meal_id, "availability": availability, "version": version}


# How many meals a connect may ask to watch again (`auth.watch`); the rest are ignored.
MAX_WATCHES_ON_CONNECT = 20


def restore_watches(live: LiveSocket, auth: dict[str, Any]) -> None:
    """The connect hook: `auth.watch`, the meals a reconnecting client watched, watched again
    (silently skipping those that don't exist, and any past the first
    `MAX_WATCHES_ON_CONNECT`), in one query. The room provider (`watched_meal_rooms`), which
    runs next, keeps only those `meal:watch` would allow: meals of a neighbourhood whose rooms
    the socket has (an active, not suspended membership) that the user may see (drafts: their
    current hosts)."""
    wanted = auth.get("watch")
    if not isinstance(wanted, list) or not wanted:
        return
    watching = live.extras.setdefault(WATCHING, {})
    ids = {_meal_id({"meal_id": value}) for value in wanted[:MAX_WATCHES_ON_CONNECT]}
    ids = {meal_id for meal_id in ids if meal_id is not None and meal_id not in watching}
    if ids:
        watching.update(neighbourhoods_of(sorted(ids)))


def on_meal_unwatch(data: Any = None) -> dict[str, Any]:
    """Stop watching a meal."""
    found = _socket_and_meal(data)
    if isinstance(found, dict):
        return found
    live, meal_id = found
    live.extras.get(WATCHING, {}).pop(meal_id, None)
    leave(live, meal_room(meal_id))
    return {"ok": True, "meal_id": meal_id}


def watched_meal_rooms(live: LiveSocket, found: dict[str, int | None]) -> dict[str, int | None]:
    """The room provider: the socket's watched meals that stay in its rooms, those in a
    neighbourhood whose rooms it still has (`found`) and that its user may still see (a draft
    only by its current hosts: a demoted host stops hearing it). The rest stop being watched."""
    watching: dict[int, int] = live.extras.get(WATCHING, {})
    if not watching:
        return {}
    active_neighbourhoods = {n for n in found.values() if n is not None}
    visible = policies.still_watchable(live.user_id, list(watching))
    rooms: dict[str, int | None] = {}
    for meal_id, neighbourhood_id in list(watching.items()):
        if neighbourhood_id in active_neighbourhoods and meal_id in visible:
            rooms[meal_room(meal_id)] = neighbourhood_id
        else:
            watching.pop(meal_id, None)
    return rooms
