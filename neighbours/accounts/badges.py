"""The unread totals an app shows on its tabs, and their live `badges:updated` event.

Accounts knows neither notifications nor messages (they sit above it): each registers a
counter on `counters` (in `neighbours.wiring`), and calls `changed(user_ids)` in the
transaction that changed a count, naming only people whose count did change. Each person named
gets one event per transaction, however often they were named: both totals, counted once for
everyone just before the commit, so final; it is sent after commit (`realtime.publish`), so
nothing goes out for a rolled-back change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from neighbours.hooks import Hook
from neighbours.realtime.publish import at_commit, publish
from neighbours.realtime.rooms import user_room

EVENT = "badges:updated"
NAMES = ("unread_notifications", "unread_messages")


@dataclass(frozen=True)
class Counter:
    """One badge: its name and how to count it for several people in one query."""

    name: str
    count: Callable[[list[int]], dict[int, int]]

    def __post_init__(self) -> None:
        if self.name not in NAMES:
            raise ValueError(f"not a badge: {self.name}")

    def __call__(self, user_ids: list[int]) -> dict[int, int]:
        return self.count(user_ids)


counters: Hook[Counter] = Hook("accounts.badges")


def badges_of(user_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """user id -> `{unread_notifications, unread_messages}` (0 for a badge nobody counts)."""
    ids = sorted(set(user_ids))
    totals = {uid: dict.fromkeys(NAMES, 0) for uid in ids}
    if ids:
        for counter in counters.callbacks():
            for uid, n in counter(ids).items():
                totals[uid][counter.name] = n
    return totals


def badges(user_id: int) -> dict[str, int]:
    return badges_of([user_id])[user_id]


def changed(user_ids: Iterable[int]) -> None:
    """These people's counts changed in the caller's transaction: just before it commits,
    count once for everyone named in it and queue one `badges:updated` to each one's user
    room, with the final totals."""
    ids = set(user_ids)
    if ids:
        at_commit(EVENT, _send).setdefault("user_ids", set()).update(ids)


def _send(session: Session, states: list[dict[str, Any]]) -> None:
    session.flush()
    named = set().union(*(state.get("user_ids", ()) for state in states))
    for uid, totals in badges_of(named).items():
        publish(EVENT, totals, user_room(uid), session=session)
