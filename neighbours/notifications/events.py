"""Notifications' live events (registered with the live layer's catalog by `neighbours.wiring`)."""

from __future__ import annotations

from neighbours.notifications.schemas import BadgesSchema, notification_field
from neighbours.realtime.catalog import LiveEvent

EVENTS = (
    LiveEvent(
        "notification:created",
        notification_field(),
        ("user",),
        "A notification for me",
        "A notification was stored for the user (a comment on their post, a new "
        "conversation, a seat from the waitlist, a cancelled meal, a moderation decision, a "
        "decision on a request to join, a reminder before a meal, a host's morning brief, the "
        "free-seats digest); `text` is in the user's language setting, else the "
        "language their client last asked for (`Accept-Language` at sign-in, registration or "
        "a socket's connect), else the server's default; `payload.actor` is the other person "
        "as they are now. A replay renders it anew: as `GET /notifications` shows it then "
        "(actor, language, `read_at`).",
    ),
    LiveEvent(
        "badges:updated",
        BadgesSchema,
        ("user",),
        "My unread totals changed",
        "Sent to the user's room when the number of unread notifications or of unread "
        "messages changes: once per change (however many things it changed), with the new "
        "totals; never when neither total changed.",
    ),
)
