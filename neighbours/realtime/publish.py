"""Events queued on the database session, emitted only after it commits.

The database is the truth: an event describes a committed change, so nothing is sent for a
transaction that rolls back, and a failed emit (Redis down) is logged and never fails the
request. Clients catch up over REST cursors after reconnecting.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_PENDING = "neighbours_pending_events"


@dataclass(frozen=True)
class Event:
    name: str
    payload: Any
    room: str


@dataclass(frozen=True)
class Control:
    """A message to every server process about its live sockets (rooms, disconnects)."""

    action: str
    data: dict[str, Any]


def _queue(session: Session, item: Event | Control) -> None:
    session.info.setdefault(_PENDING, []).append(item)


def publish(name: str, payload: Any, room: str, *, session: Session | None = None) -> None:
    """Queue `name` with `payload` for `room`, to be emitted after the session commits."""
    _queue(session or _default_session(), Event(name, payload, room))


def publish_control(action: str, *, session: Session | None = None, **data: Any) -> None:
    """Queue a control message for every process, sent after the session commits."""
    _queue(session or _default_session(), Control(action, data))


def publish_membership_change(user_id: int, *, session: Session | None = None) -> None:
    """The user's neighbourhoods changed: each process re-syncs that user's socket rooms."""
    publish_control("sync_rooms", session=session, user_id=user_id)


def _default_session() -> Session:
    from neighbours.extensions import db

    return db.session()  # the scoped session's current Session


def pending(session: Session) -> list[Event | Control]:
    return list(session.info.get(_PENDING, []))


def _after_commit(session: Session) -> None:
    items = session.info.pop(_PENDING, [])
    if not items:
        return
    from neighbours.realtime import delivery

    for item in items:
        try:
            if isinstance(item, Event):
                delivery.emit(item.name, item.payload, item.room)
            else:
                delivery.control(item.action, item.data)
        except Exception:
            # Never let a live-update failure undo or fail a committed change.
            log.exception("could not deliver %s", item)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def install() -> None:
    """Hook the session events once per process."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback_soft)


def _after_rollback_soft(session: Session, previous_transaction: Any) -> None:
    # Only the outermost transaction's rollback drops the queue; a savepoint rollback
    # is followed by more work in the same transaction.
    if previous_transaction.parent is None:
        _after_rollback(session)
