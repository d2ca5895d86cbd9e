"""Every model, imported in one place so that Alembic and `db.create_all` see all tables."""

from neighbours.accounts.models import AccessToken, Block, User
from neighbours.feed.models import Comment, Post, Reaction
from neighbours.idempotency import IdempotencyKey
from neighbours.jobs.models import JobConsumer
from neighbours.meals.models import (
    CalendarFeed,
    Canteen,
    CanteenHost,
    Meal,
    MealSeries,
    SeatPool,
    SeriesSkip,
    Signup,
)
from neighbours.meals.sent import HostBrief, MealReminder, SeatDigest
from neighbours.messages.models import Conversation, Message, Participant
from neighbours.moderation.models import ModerationItem, ModerationSettings, Report
from neighbours.neighbourhoods.models import (
    Invite,
    Membership,
    ModerationLogEntry,
    Neighbourhood,
    Suspension,
)
from neighbours.notifications.models import Notification, NotificationSettings
from neighbours.realtime.models import LoggedEvent

__all__ = [
    "AccessToken",
    "Block",
    "CalendarFeed",
    "Canteen",
    "CanteenHost",
    "Comment",
    "Conversation",
    "HostBrief",
    "IdempotencyKey",
    "Invite",
    "JobConsumer",
    "LoggedEvent",
    "Meal",
    "MealReminder",
    "MealSeries",
    "Membership",
    "Message",
    "ModerationItem",
    "ModerationLogEntry",
    "ModerationSettings",
    "Neighbourhood",
    "Notification",
    "NotificationSettings",
    "Participant",
    "Post",
    "Reaction",
    "Report",
    "SeatDigest",
    "SeatPool",
    "SeriesSkip",
    "Signup",
    "Suspension",
    "User",
]
