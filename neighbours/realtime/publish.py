"""Events queued on the database session, emitted only after it commits.

The database is the truth: an event describes a committed change, so nothing is sent for a
transaction that rolls back, and a failed emit (Redis down) is logged and never fails the
request. Events (not control messages) are also written to the event log just before the
commit, in the same transaction and one INSERT (`eventlog`), and sent with their `event_id`;
what was logged but not emitted is delivered by the relay (`relay`), and a reconnecting client
replays what it missed (`replay`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from neighbours.extensions import db
from neighbours.realtime import delivery, eventlog, relay

log = logging.getLogger(__name__)

_PENDING = "neighbours_pending_events"
_AT_COMMIT = "neighbours_at_commit"


@dataclass(frozen=True)
class Event:
    name: str
    payload: Any
    room: str | tuple[str, ...]
    # Given by the event log just before the commit (None when the log is off).
    event_id: int | None = None
    subject: str | None = None
    author_id: int | None = None
    # False: sent live only, never logged nor replayed (a payload naming several people,
    # which the log could not redact when one of them leaves).
    logged: bool = True
    # What the log keeps instead of `payload`: a reference its replay renders anew for the
    # reader (`eventlog.set_renderer`). None: the payload as sent.
    log_payload: Any = None


@dataclass(frozen=True)
class Control:
    """A message to every server process about its live sockets (rooms, disconnects)."""

    action: str
    data: dict[str, Any]
    # With Redis: logged (to no room) so that every process carries it out in id order with
    # the events, e.g. a member's rooms shrink before any later event to those rooms goes out.
    event_id: int | None = None


def _queue(session: Session, item: Event | Control) -> None:
    # Remember the innermost transaction it was queued in: rolling back a savepoint drops
    # what was queued inside it, and the outer transaction carries on.
    where = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((where, item))


def publish(
    name: str,
    payload: Any,
    room: str | Sequence[str],
    *,
    session: Session | None = None,
    subject: str | None = None,
    author_id: int | None = None,
    logged: bool = True,
    log_payload: Any = None,
) -> None:
    """Queue `name` with `payload` for `room`, to be emitted after the session commits.

    Several rooms reach each socket once, even one that is in more than one of them.
    `subject` ("post:6", "post:6/comment:9") and `author_id` let the event log redact what a
    later change or an account's deletion takes back (`eventlog.write`, `forget_author`).
    `log_payload`: what the log keeps instead of `payload`, for an event its replay renders
    again for the reader (`eventlog.set_renderer`).
    """
    rooms = room if isinstance(room, str) else tuple(room)
    event = Event(
        name,
        payload,
        rooms,
        subject=subject,
        author_id=author_id,
        logged=logged,
        log_payload=log_payload,
    )
    _queue(session or _default_session(), event)


def publish_control(action: str, *, session: Session | None = None, **data: Any) -> None:
    """Queue a control message for every process, sent after the session commits."""
    _queue(session or _default_session(), Control(action, data))


def publish_membership_change(user_id: int, *, session: Session | None = None) -> None:
    """The user's neighbourhoods changed: each process re-syncs that user's socket rooms."""
    publish_control("sync_rooms", session=session, user_id=user_id)


def at_commit(
    key: str,
    callback: Callable[[Session, list[dict[str, Any]]], None],
    *,
    session: Session | None = None,
) -> dict[str, Any]:
    """Run `callback(session, states)` once, just before the session commits (before the
    queued events are logged, so it may publish), however often `key` is asked for in the
    transaction. Returns a `state` dict for the callers to fill meanwhile: one per
    (sub)transaction, so what was filled inside a savepoint that rolls back is dropped with
    it, as events are; the callback gets the states that remain."""
    session = session or _default_session()
    where = session.get_nested_transaction() or session.get_transaction()
    asked = session.info.setdefault(_AT_COMMIT, [])
    for at, asked_key, _callback, state in asked:
        if asked_key == key and at is where:
            return state
    state: dict[str, Any] = {}
    asked.append((where, key, callback, state))
    return state


def _default_session() -> Session:
    return db.session()  # the scoped session's current Session


def pending(session: Session) -> list[Event | Control]:
    return [item for _where, item in session.info.get(_PENDING, [])]


def _before_commit(session: Session) -> None:
    """Write the queued events to the log, in this transaction, in one INSERT."""
    if session.in_nested_transaction():
        return
    by_key: dict[str, tuple[Callable[..., None], list[dict[str, Any]]]] = {}
    for _where, key, callback, state in session.info.pop(_AT_COMMIT, []):
        by_key.setdefault(key, (callback, []))[1].append(state)
    for callback, states in by_key.values():
        callback(session, states)
    queued = session.info.get(_PENDING)
    if not queued or not eventlog.enabled():
        return
    # The last flush first: the log's lock is then held only for the INSERT and the commit.
    session.flush()
    # Control messages first: a transaction's own events come after its room changes.
    controls = delivery.ordered_controls()
    at = [i for i, (_w, item) in enumerate(queued) if isinstance(item, Control) and controls]
    at += [i for i, (_w, item) in enumerate(queued) if isinstance(item, Event) and item.logged]
    if not at:
        return
    rows: list[eventlog.Row] = []
    for i in at:
        item = queued[i][1]
        if isinstance(item, Control):
            rows.append((delivery.CONTROL_PREFIX + item.action, item.data, [], None, None))
            continue
        rooms = [item.room] if isinstance(item.room, str) else list(item.room)
        logged = item.payload if item.log_payload is None else item.log_payload
        rows.append((item.name, logged, rooms, item.subject, item.author_id))
    for i, event_id in zip(at, eventlog.write(session, rows), strict=True):
        where, item = queued[i]
        queued[i] = (where, replace(item, event_id=event_id))


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # SQLAlchemy 2.1 also calls this when a savepoint is released: not yet durable
    items = session.info.pop(_PENDING, [])
    if not items:
        return
    if relay.skipping_emits():
        items = [(w, item) for w, item in items if item.event_id is None]
    relay.test_delay()
    # In id order (logged control messages have the lowest of their transaction).
    items.sort(key=lambda entry: (entry[1].event_id is None, entry[1].event_id or 0))
    emitted: list[int] = []
    lost = delivery.failures()
    for _where, item in items:
        try:
            if isinstance(item, Control) and item.event_id is not None:
                delivery.send_control_in_order(item.action, item.data, item.event_id)
                emitted.append(item.event_id)
            elif isinstance(item, Event):
                if item.event_id is None:
                    delivery.emit(item.name, item.payload, item.room)
                else:
                    payload = eventlog.with_id(item.payload, item.event_id)
                    delivery.emit(item.name, payload, item.room)
                    emitted.append(item.event_id)
            else:
                delivery.send_control(item.action, item.data)
        except Exception:
            # Never let a live-update failure undo or fail a committed change.
            log.exception("could not deliver %s", item)
    # Not recorded if a publish to Redis failed: the relay sends them once it is back.
    if emitted and delivery.failures() == lost:
        relay.mark_emitted(emitted)


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


def _after_soft_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_AT_COMMIT, None)
        return
    # A savepoint: drop only what was queued (or asked for) inside it.
    queued = session.info.get(_PENDING)
    if queued:
        queued[:] = [(w, item) for w, item in queued if not _within(w, previous_transaction)]
    asked = session.info.get(_AT_COMMIT)
    if asked:
        asked[:] = [entry for entry in asked if not _within(entry[0], previous_transaction)]


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended without a commit (e.g. the session was closed): what
    # was queued describes changes that never happened. A commit has already taken the queue.
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_AT_COMMIT, None)


def install() -> None:
    """Hook the session events once per process."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_soft_rollback)
        event.listen(Session, "after_transaction_end", _after_transaction_end)
