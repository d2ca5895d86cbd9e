"""The payloads of the live layer's own events (H5's minimal part: `session:ended`)."""

from __future__ import annotations

from marshmallow import Schema
from marshmallow.fields import String
from marshmallow.validate import OneOf

# Why the server ended a socket's session, sent in `session:ended` before it cuts the socket.
SESSION_END_REASONS = ("logged_out", "revoked", "expired", "suspended", "deleted")


class SessionEndedSchema(Schema):
    """`session:ended`, to the one socket about to be cut: why its session ended."""

    reason = String(required=True, validate=OneOf(SESSION_END_REASONS))
