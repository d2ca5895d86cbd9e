"""Meal series schemas: the template a host sets, and what the API shows of a series."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

import marshmallow as ma
from flask_babel import lazy_gettext as _l

from neighbours.accounts.schemas import TrimmedSchema
from neighbours.dietary import DIETS, EU_ALLERGENS
from neighbours.errors import FieldError
from neighbours.fields import UTCDateTime
from neighbours.i18n import template
from neighbours.meals.schemas import (
    _COST_HELP,
    POOL_KEY,
    CanteenBriefSchema,
    _allergen_list,
    _diet_list,
    _unique_keys,
)
from neighbours.pagination import page_schema

HH_MM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
_NOT_A_TIME = template("bad_format", _l("Not a time of day as HH:MM, such as 12:30."))
_RRULE_HELP = (
    "When it repeats, as an RFC 5545 RRULE of this subset: `FREQ=WEEKLY`, optional "
    "`INTERVAL=n` (1-52: every n weeks) and `BYDAY=MO,TU,...` (days without a number; "
    "default: the weekday of `starts_on`). Example: `FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR`."
)
_TIME_HELP = "a wall-clock time, HH:MM, in the canteen's time zone; it stays the same across "
_TIME_HELP += "daylight-saving changes"


class LocalTime(ma.fields.String):
    """A wall-clock time of day, `HH:MM` (24 h); loads as a `datetime.time`."""

    def __init__(self, description: str = _TIME_HELP, **kwargs: Any) -> None:
        metadata = {"description": description, "pattern": HH_MM.pattern, "example": "12:30"}
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        if isinstance(value, time):
            return value.strftime("%H:%M")
        return value

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> time:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not HH_MM.match(text):
            raise ma.ValidationError(_NOT_A_TIME)
        return time.fromisoformat(text)


class SeriesPoolSchema(TrimmedSchema):
    key = ma.fields.String(
        required=True,
        validate=ma.validate.Regexp(POOL_KEY, error="Lower-case letters, digits and _ only."),
    )
    label = ma.fields.String(validate=ma.validate.Length(min=1, max=60))
    capacity = ma.fields.Integer(
        required=True, strict=True, validate=ma.validate.Range(min=0, max=500)
    )
    start_time = LocalTime(
        "when this pool starts (the kitchen, before the meal), HH:MM on the meal's day in the "
        "canteen's time zone; null: with the meal",
        allow_none=True,
    )


class SeriesPoolPatchSchema(SeriesPoolSchema):
    capacity = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0, max=500))


def _pools(schema: type[ma.Schema], **kwargs: Any) -> ma.fields.List:
    return ma.fields.List(
        ma.fields.Nested(schema),
        validate=[ma.validate.Length(min=1, max=6), _unique_keys],
        **kwargs,
    )


def _cost(**kwargs: Any) -> ma.fields.Integer:
    return ma.fields.Integer(
        strict=True,
        validate=ma.validate.Range(min=0, max=100_000),
        metadata={"description": _COST_HELP},
        **kwargs,
    )


def _duration(**kwargs: Any) -> ma.fields.Integer:
    return ma.fields.Integer(
        strict=True,
        validate=ma.validate.Range(min=15, max=24 * 60),
        metadata={"description": "how long each meal lasts, in minutes"},
        **kwargs,
    )


def _closes(**kwargs: Any) -> ma.fields.Integer:
    return ma.fields.Integer(
        strict=True,
        validate=ma.validate.Range(min=0, max=7 * 24 * 60),
        metadata={"description": "signups close this many minutes before each meal starts"},
        **kwargs,
    )


_UNTIL = "the last day (inclusive, in the canteen's time zone); or `count`, not both"
# Dates a series is checked over (two years past them) must stay within what dates can hold.
_NOT_TOO_FAR = ma.validate.Range(max=date(2999, 12, 31))
_COUNT = "how many dates in all, from `starts_on` (skipped dates count); or `until`, not both"
_PUBLISH = "generated meals are published at once (true) or drafts for a host to publish"


def _one_end(data: dict[str, Any]) -> None:
    if data.get("until") is not None and data.get("count") is not None:
        raise ma.ValidationError(
            {"count": [FieldError("until_or_count", _l("Give `until` or `count`, not both."))]}
        )


class SeriesCreateSchema(TrimmedSchema):
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    menu = ma.fields.String(load_default="", validate=ma.validate.Length(max=4000))
    allergens = _allergen_list()
    diets = _diet_list()
    cost_price_cents = _cost(load_default=0)
    rrule = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=200),
        metadata={"description": _RRULE_HELP, "example": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"},
    )
    starts_on = ma.fields.Date(
        required=True,
        validate=_NOT_TOO_FAR,
        metadata={"description": "the first day it may have a meal (today or later, local)"},
    )
    start_time = LocalTime(required=True)
    duration_minutes = _duration(load_default=120)
    signup_closes_before_minutes = _closes(load_default=0)
    pools = _pools(
        SeriesPoolSchema,
        metadata={
            "description": "default: `table` (canteen capacity) and `kitchen` (from two "
            "hours before)"
        },
    )
    until = ma.fields.Date(
        load_default=None, allow_none=True, validate=_NOT_TOO_FAR, metadata={"description": _UNTIL}
    )
    count = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=ma.validate.Range(min=1, max=200),
        metadata={"description": _COUNT},
    )
    publish = ma.fields.Boolean(load_default=False, metadata={"description": _PUBLISH})

    @ma.validates_schema
    def _ends_once(self, data: dict[str, Any], **kwargs: Any) -> None:
        _one_end(data)


class SeriesUpdateSchema(TrimmedSchema):
    """Every field optional: a change applies to the template and to the meals of the series
    not yet started (signups stay); `until`/`count`/`rrule` take back meals no longer in it."""

    title = ma.fields.String(validate=ma.validate.Length(min=1, max=120))
    menu = ma.fields.String(validate=ma.validate.Length(max=4000))
    allergens = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(EU_ALLERGENS)))
    diets = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(DIETS)))
    cost_price_cents = _cost()
    rrule = ma.fields.String(
        validate=ma.validate.Length(min=1, max=200), metadata={"description": _RRULE_HELP}
    )
    start_time = LocalTime()
    duration_minutes = _duration()
    signup_closes_before_minutes = _closes()
    pools = _pools(
        SeriesPoolPatchSchema,
        metadata={"description": "pools to change or add, by key (none is removed)"},
    )
    until = ma.fields.Date(allow_none=True, validate=_NOT_TOO_FAR, metadata={"description": _UNTIL})
    count = ma.fields.Integer(
        allow_none=True, strict=True, validate=ma.validate.Range(min=1, max=200)
    )
    publish = ma.fields.Boolean(
        metadata={"description": _PUBLISH + "; true also publishes its drafts to come"}
    )

    @ma.validates_schema
    def _ends_once(self, data: dict[str, Any], **kwargs: Any) -> None:
        _one_end(data)


class SeriesPoolOutSchema(ma.Schema):
    key = ma.fields.String()
    label = ma.fields.String()
    capacity = ma.fields.Integer()
    start_time = ma.fields.String(allow_none=True, metadata={"description": "HH:MM, local"})


class SeriesSchema(ma.Schema):
    id = ma.fields.Integer()
    canteen = ma.fields.Nested(CanteenBriefSchema)
    neighbourhood_id = ma.fields.Integer()
    status = ma.fields.String(metadata={"enum": ["active", "ended"]})
    title = ma.fields.String()
    menu = ma.fields.String()
    allergens = ma.fields.List(ma.fields.String())
    diets = ma.fields.List(ma.fields.String())
    cost_price_cents = ma.fields.Integer(metadata={"description": _COST_HELP})
    rrule = ma.fields.String(metadata={"description": "normalised"})
    starts_on = ma.fields.Date()
    start_time = LocalTime()
    timezone = ma.fields.String(metadata={"description": "the canteen's: times are local to it"})
    duration_minutes = ma.fields.Integer()
    signup_closes_before_minutes = ma.fields.Integer()
    pools = ma.fields.List(ma.fields.Nested(SeriesPoolOutSchema))
    until = ma.fields.Date(allow_none=True)
    count = ma.fields.Integer(allow_none=True)
    publish = ma.fields.Boolean()
    skipped_dates = ma.fields.List(ma.fields.Date(), metadata={"description": "from today on"})
    upcoming = ma.fields.List(
        ma.fields.Nested(lambda: SeriesMealSchema()),
        metadata={"description": "its meals generated ahead, soonest first"},
    )
    ended_at = UTCDateTime(allow_none=True)
    created_at = UTCDateTime()


class SeriesMealSchema(ma.Schema):
    """A meal of a series, in brief: open it with `GET /meals/{id}`."""

    id = ma.fields.Integer()
    occurrence_date = ma.fields.Date(metadata={"description": "its date in the series' rule"})
    starts_at = UTCDateTime()
    status = ma.fields.String(metadata={"enum": ["draft", "published", "cancelled", "done"]})


SeriesPageSchema = page_schema(SeriesSchema, "SeriesPage")


class SkipSchema(TrimmedSchema):
    date = ma.fields.Date(
        required=True, metadata={"description": "a date of the series, today or later (local)"}
    )
    reason = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(min=1, max=1000),
        metadata={"description": "told to the diners if its meal was published"},
    )


class EndSeriesSchema(TrimmedSchema):
    reason = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(min=1, max=1000),
        metadata={"description": "told to the diners of the meals it cancels"},
    )
