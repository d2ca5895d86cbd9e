"""Meals' live events (registered with the live layer's catalog by `neighbours.wiring`)."""

from __future__ import annotations

import marshmallow as ma

from neighbours.fields import MAX_ID
from neighbours.meals.models import MealStatus, SignupStatus
from neighbours.meals.schemas import PoolAvailabilitySchema
from neighbours.realtime.catalog import RECEIVE, LiveEvent


def _availability() -> ma.fields.Dict:
    return ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Nested(PoolAvailabilitySchema),
        required=True,
        metadata={"description": "per seat pool key: its seats"},
    )


class SignupUpdatedSchema(ma.Schema):
    id = ma.fields.Integer(required=True, metadata={"description": "the signup"})
    meal_id = ma.fields.Integer(required=True)
    status = ma.fields.Enum(SignupStatus, by_value=True, required=True)
    waitlist_position = ma.fields.Integer(
        required=True, allow_none=True, metadata={"description": "1 is next; null if not waiting"}
    )


class MealAvailabilitySchema(ma.Schema):
    meal_id = ma.fields.Integer(required=True)
    status = ma.fields.Enum(MealStatus, by_value=True, required=True)
    availability = _availability()
    version = ma.fields.Integer(
        required=True, metadata={"description": "drop any event older than what you hold"}
    )


class MealWatchSchema(ma.Schema):
    meal_id = ma.fields.Integer(
        required=True, validate=ma.validate.Range(min=1, max=MAX_ID), strict=True
    )


class MealWatchedSchema(ma.Schema):
    ok = ma.fields.Boolean(required=True, validate=ma.validate.Equal(True))
    meal_id = ma.fields.Integer(required=True)
    availability = _availability()
    version = ma.fields.Integer(required=True)


class MealUnwatchedSchema(ma.Schema):
    ok = ma.fields.Boolean(required=True, validate=ma.validate.Equal(True))
    meal_id = ma.fields.Integer(required=True)


_ERRORS = " On refusal: `{ok: false, error}` (`AckError`)."

EVENTS = (
    LiveEvent(
        "signup:updated",
        SignupUpdatedSchema,
        ("user",),
        "One of my signups changed",
        "A signup of mine moved without my doing: promoted from the waitlist, moved up it, "
        "or cancelled with its meal.",
    ),
    LiveEvent(
        "meal:availability",
        MealAvailabilitySchema,
        ("meal", "neighbourhood"),
        "A meal's seats changed",
        "After any change to a meal's seats (signups, cancellations, pools, the meal's "
        "status); a draft's only to its watchers (its hosts). Sent once to a socket in both. "
        "The same for every reader: merge it into a meal's `availability` and `status` and "
        "keep your own `my_signup` and `is_host` (`signup:updated` tells you of your signup).",
    ),
    LiveEvent(
        "meal:watch",
        MealWatchSchema,
        ("socket",),
        "Watch a meal's seats",
        "Join the meal's room to get its `meal:availability`; only members of its "
        "neighbourhood may. Watch again after a reconnect.",
        action=RECEIVE,
        ack=MealWatchedSchema,
        ack_description="The availability now, and its version." + _ERRORS,
    ),
    LiveEvent(
        "meal:unwatch",
        MealWatchSchema,
        ("socket",),
        "Stop watching a meal",
        "Leave the meal's room.",
        action=RECEIVE,
        ack=MealUnwatchedSchema,
        ack_description="Done." + _ERRORS,
    ),
)
