"""The catalog of Socket.IO events: each event described once, by the code that owns it.

The live layer knows no feature, so it holds the registry and the events of its own (the
connection's `auth`, `connect_error`, `session:ended`); each feature declares its events
(`<feature>/events.py`, an `EVENTS` tuple) and `neighbours.wiring` registers them per app.
`neighbours.realtime.asyncapi` builds `/api/asyncapi.json` from it, and the tests refuse any
event published that it does not describe.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import marshmallow as ma
from flask import Flask, current_app

_CATALOG = "neighbours.realtime.catalog"

# Who sends: the server to clients (`send`), or clients to the server (`receive`).
SEND = "send"
RECEIVE = "receive"

# The kinds of room an event goes to (see `realtime.rooms`), and `socket`: one socket only.
ROOM_KINDS: dict[str, str] = {
    "user": "user:{id}: every socket of one signed-in user",
    "neighbourhood": "neighbourhood:{id}: sockets of the neighbourhood's active members",
    "meal": "meal:{id}: sockets watching a meal (`meal:watch`)",
    "moderators": "moderators:{id}: sockets of the neighbourhood's moderators",
    "socket": "one socket: the one that sent the event, or the one being disconnected",
}

Payload = type[ma.Schema] | ma.Schema | ma.fields.Field


@dataclass(frozen=True)
class LiveEvent:
    """One Socket.IO event: its name, direction, payload schema, rooms and when it happens."""

    name: str
    payload: Payload
    rooms: tuple[str, ...]
    summary: str
    description: str
    action: str = SEND
    ack: Payload | None = None
    ack_description: str = ""
    # Written to the event log and sent with an `event_id` (every server event published
    # through `realtime.publish`); the socket-only events of the live layer are not.
    logged: bool = True


# --- the live layer's own ----------------------------------------------------------------

# (A suspension is per neighbourhood: it takes the socket out of that neighbourhood's rooms and
# ends no session, so no socket is refused or cut for it.)
SESSION_END_REASONS = ("logged_out", "revoked", "expired", "deleted")
# What a refused connection's `connect_error` says in `reason` (see the document's
# `x-connect-error`).
CONNECT_REFUSAL_REASONS = (
    "unauthorized",
    "expired",
    "too_many_sockets",
    "logged_out",
    "revoked",
    "deleted",
    "server_error",
)


class SessionEndedSchema(ma.Schema):
    """Sent to one socket just before the server disconnects it."""

    reason = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(SESSION_END_REASONS),
        metadata={"description": "why the session ended; do not reconnect with this token"},
    )


class ConnectAuthSchema(ma.Schema):
    """The `auth` payload of the Socket.IO connect packet."""

    token = ma.fields.String(
        required=True, metadata={"description": "a bearer token from `POST /auth/login`"}
    )
    last_event_id = ma.fields.Integer(
        validate=ma.validate.Range(min=0),
        metadata={
            "description": "the highest `event_id` the client handled: what came after it in "
            "the user's current rooms is replayed first (or `sync:reset` past the bound)"
        },
    )
    watch = ma.fields.List(
        ma.fields.Integer(validate=ma.validate.Range(min=1)),
        validate=ma.validate.Length(max=20),
        metadata={"description": "meals to watch again (as `meal:watch`; others are skipped)"},
    )


class SyncResetSchema(ma.Schema):
    """Sent instead of a replay that would be too long: reload what you show over REST."""


class EventIdSchema(ma.Schema):
    """What every logged event's payload carries besides its own fields."""

    event_id = ma.fields.Integer(
        required=True,
        validate=ma.validate.Range(min=1),
        metadata={
            "description": "increasing id in the event log; delivery is at least once: drop "
            "an id already handled, and pass the highest as `auth.last_event_id`"
        },
    )


class RefusalDataSchema(ma.Schema):
    reason = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(CONNECT_REFUSAL_REASONS),
        metadata={"description": "the same reason, where socket.io-client shows it: `err.data`"},
    )


class ConnectErrorSchema(ma.Schema):
    """The data of `connect_error` when the server refuses a connection. socket.io-client
    gives the app an Error with this `message` and `data` (`err.data.reason`)."""

    data = ma.fields.Nested(RefusalDataSchema, required=True)

    message = ma.fields.String(
        required=True, metadata={"description": "for people, in the user's language"}
    )
    reason = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(CONNECT_REFUSAL_REASONS),
        metadata={"description": "stable machine-readable code"},
    )


class AckErrorDetailSchema(ma.Schema):
    code = ma.fields.Integer(required=True, metadata={"description": "an HTTP status"})
    status = ma.fields.String(required=True)
    reason = ma.fields.String(metadata={"description": "stable machine-readable code"})
    message = ma.fields.String(required=True)
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "per field: its messages"},
    )


class AckErrorSchema(ma.Schema):
    """A refused client event's ack: `{ok: false, error: {...}}` in the REST error shape."""

    ok = ma.fields.Boolean(required=True, validate=ma.validate.Equal(False))
    error = ma.fields.Nested(AckErrorDetailSchema, required=True)


EVENTS = (
    LiveEvent(
        "session:ended",
        SessionEndedSchema,
        ("socket",),
        "The session behind this socket ended",
        "Sent to one socket just before the server disconnects it: logged out, session "
        "revoked or expired, or account deleted. Sign in again (or stop).",
        logged=False,
    ),
    LiveEvent(
        "sync:reset",
        SyncResetSchema,
        ("socket",),
        "Too much was missed to replay",
        "Sent on connect instead of the replay when `auth.last_event_id` is more than "
        "`EVENT_REPLAY_MAX` events or `EVENT_RETENTION_HOURS` behind, or unknown: reload what "
        "you show over REST, then keep the `event_id` of the events that follow.",
        logged=False,
    ),
)


# --- the registry, per app ---------------------------------------------------------------


def declare(app: Flask, events: Iterable[LiveEvent]) -> None:
    """Add events to `app`'s catalog; an event is described once."""
    catalog = app.extensions.setdefault(_CATALOG, {})
    for event in events:
        if event.name in catalog:
            raise ValueError(f"live event {event.name!r} is declared twice")
        unknown = set(event.rooms) - set(ROOM_KINDS)
        if unknown:
            raise ValueError(f"live event {event.name!r}: unknown room kinds {sorted(unknown)}")
        catalog[event.name] = event


def events(app: Flask | None = None) -> dict[str, LiveEvent]:
    """The catalog of `app` (the current one by default), name -> event, sorted by name."""
    catalog = (app or current_app).extensions.get(_CATALOG, {})
    return {name: catalog[name] for name in sorted(catalog)}
