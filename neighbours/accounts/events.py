"""`GET /api/v1/events?after=ID`: the event log over REST, as a reconnecting socket replays it.

The same filter as a replay: events of the caller's own room and of the rooms of their active,
not suspended memberships now (the live layer's room providers), never a room they left or
never had; meal-watch rooms are not included. Keyset pages of at most `limit` (1-200) in id
order; the next page is `?after=<next_after>`. Past the bound (more than `EVENT_REPLAY_MAX`
events to come, an `after` older than `EVENT_RETENTION_HOURS`, or beyond the newest event) the
answer is `200 {"reset": true, "items": [], "last_event_id": N}`: reload over REST, then go on
from N. Lives with accounts because it needs the caller (`neighbours.auth`); the live layer
below knows no feature.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from neighbours.auth import caller_limit_key, current_user, login_required
from neighbours.extensions import db, limiter
from neighbours.realtime import eventlog
from neighbours.realtime.registry import LiveSocket
from neighbours.realtime.sockets import rooms_of

blp = Blueprint("events", __name__, description="The event log: what a client missed")

MAX_EVENTS_LIMIT = 200
_MAX_EVENT_ID = 2**63 - 1
# marshmallow's own message for an Integer (translated, with its reason, as every other).
_NOT_AN_ID = ma.fields.Integer.default_error_messages["invalid"]


class EventListArgs(ma.Schema):
    @ma.pre_load
    def _ascii_digits(self, data: Any, **_kwargs: Any) -> Any:
        """`after` in ASCII digits only, as a socket's `last_event_id` (int() would also take
        other scripts' digits, a sign or spaces)."""
        after = data.get("after") if hasattr(data, "get") else None
        if isinstance(after, str) and not (after.isascii() and after.isdigit()):
            raise ma.ValidationError(_NOT_AN_ID, "after")
        return data

    after = ma.fields.Integer(
        load_default=0,
        validate=ma.validate.Range(min=0, max=_MAX_EVENT_ID),
        metadata={"description": "the last `event_id` the client has (0: from the start)"},
    )
    limit = ma.fields.Integer(
        load_default=100, validate=ma.validate.Range(min=1, max=MAX_EVENTS_LIMIT)
    )


class LoggedEventSchema(ma.Schema):
    event_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True, metadata={"description": "the Socket.IO event"})
    payload = ma.fields.Raw(
        required=True,
        metadata={
            "type": "object",
            "properties": {"event_id": {"type": "integer", "minimum": 1}},
            "required": ["event_id"],
            "description": "As it was sent live, with its `event_id`: the payload of the "
            "message `name` in `/api/asyncapi.json` (`components.messages`, `:` as `_`).",
        },
    )
    created_at = ma.fields.DateTime(required=True)


class EventPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(LoggedEventSchema), required=True)
    reset = ma.fields.Boolean(
        required=True, metadata={"description": "too far behind: reload over REST instead"}
    )
    next_after = ma.fields.Integer(
        allow_none=True,
        required=True,
        metadata={"description": "`after` of the next page; null when this page is the last"},
    )
    last_event_id = ma.fields.Integer(
        required=True, metadata={"description": "the newest event id there is"}
    )


@blp.route("/events")
class Events(MethodView):
    @login_required
    # Each call may read up to EVENT_REPLAY_MAX rows: as the socket replays, an allowance.
    @limiter.limit(lambda: current_app.config["RATELIMIT_EVENTS"], key_func=caller_limit_key)
    @blp.arguments(EventListArgs, location="query")
    @blp.response(200, EventPageSchema)
    def get(self, args: dict) -> dict[str, Any]:
        """The events after `after` for the rooms I am in now, oldest first."""
        user = current_user()
        rooms = list(rooms_of(LiveSocket("", user.id, 0)))
        found = eventlog.catch_up(
            db.session, args["after"], rooms, limit=args["limit"], reader_id=user.id
        )
        if found.reset:
            return {
                "items": [],
                "reset": True,
                "next_after": None,
                "last_event_id": found.last_event_id,
            }
        return {
            "items": found.events,
            "reset": False,
            "next_after": found.through if found.more else None,
            "last_event_id": found.last_event_id,
        }
