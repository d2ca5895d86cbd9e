"""Canteen, meal and signup schemas."""

from __future__ import annotations

import re
from zoneinfo import available_timezones

import marshmallow as ma
from babel.numbers import list_currencies
from flask_babel import lazy_gettext as _l

from neighbours.accounts.schemas import DietarySchema, PersonSchema, TrimmedSchema
from neighbours.dietary import DIETS, EU_ALLERGENS
from neighbours.errors import FieldError
from neighbours.fields import UTCDateTime
from neighbours.i18n import template
from neighbours.meals.models import Attendance, SignupStatus
from neighbours.pagination import PageArgs, page_schema

POOL_KEY = re.compile(r"^[a-z][a-z0-9_]{0,19}$")
# Sorted: the OpenAPI document lists them as an enum and must be the same on every run.
_TIMEZONES = tuple(sorted(available_timezones()))
CURRENCY = re.compile(r"^[A-Z]{3}$")
_CURRENCY_HELP = "ISO 4217 code of the currency its meals are priced in (EUR, CHF, GBP...)"
_COST_HELP = "The cost of one person's meal, in the minor unit (cents) of the canteen's `currency`"


def _latitude(**kwargs: object) -> ma.fields.Float:
    return ma.fields.Float(validate=ma.validate.Range(min=-90, max=90), **kwargs)


def _longitude(**kwargs: object) -> ma.fields.Float:
    return ma.fields.Float(validate=ma.validate.Range(min=-180, max=180), **kwargs)


_NOT_A_CURRENCY = template("bad_format", _l("Not an ISO 4217 currency code such as EUR."))
_CURRENCIES = frozenset(list_currencies())


def _known_currency(value: str) -> None:
    if not CURRENCY.match(value) or value not in _CURRENCIES:
        raise ma.ValidationError(_NOT_A_CURRENCY)


def _currency(**kwargs: object) -> ma.fields.String:
    return ma.fields.String(
        validate=_known_currency,
        metadata={"description": _CURRENCY_HELP, "pattern": CURRENCY.pattern},
        **kwargs,
    )


LOCAL_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
_NOT_A_TIME = template("bad_format", _l("Not a time of day such as 08:00 (HH:MM, 24 hours)."))
_REMINDER_HELP = (
    "Minutes before a meal its confirmed diners are reminded (its kitchen volunteers: before "
    "cooking starts; the waitlisted are told they still wait), 15 to 2880"
)
_BRIEF_HELP = "Local time (HH:MM) the hosts of the day's meals get their morning brief"


def _local_time(value: str) -> None:
    if not LOCAL_TIME.match(value):
        raise ma.ValidationError(_NOT_A_TIME)


def _reminder_minutes(**kwargs: object) -> ma.fields.Integer:
    return ma.fields.Integer(
        strict=True,
        validate=ma.validate.Range(min=15, max=2880),
        metadata={"description": _REMINDER_HELP},
        **kwargs,
    )


def _brief_at(**kwargs: object) -> ma.fields.String:
    return ma.fields.String(
        validate=_local_time,
        metadata={"description": _BRIEF_HELP, "pattern": LOCAL_TIME.pattern},
        **kwargs,
    )


class CanteenCreateSchema(TrimmedSchema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=80))
    address = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    timezone = ma.fields.String(
        load_default="Europe/Paris",
        validate=ma.validate.OneOf(_TIMEZONES, error="Not an IANA time zone such as Europe/Paris."),
    )
    default_capacity = ma.fields.Integer(
        required=True, strict=True, validate=ma.validate.Range(min=1, max=500)
    )
    latitude = _latitude(load_default=None, allow_none=True)
    longitude = _longitude(load_default=None, allow_none=True)
    currency = _currency(load_default="EUR")
    reminder_minutes = _reminder_minutes(load_default=180)
    brief_at = _brief_at(load_default="08:00")


class CanteenUpdateSchema(TrimmedSchema):
    # Every field optional and without defaults: a PATCH changes only what it names.
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=80))
    address = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    timezone = ma.fields.String(
        validate=ma.validate.OneOf(_TIMEZONES, error="Not an IANA time zone such as Europe/Paris.")
    )
    default_capacity = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=500))
    latitude = _latitude(allow_none=True)
    longitude = _longitude(allow_none=True)
    currency = _currency()
    reminder_minutes = _reminder_minutes()
    brief_at = _brief_at()


class CanteenBriefSchema(ma.Schema):
    """A canteen as embedded in a meal: where it is, its clock and its currency."""

    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    address = ma.fields.String(required=True)
    timezone = ma.fields.String(required=True)
    latitude = ma.fields.Float(required=True, allow_none=True)
    longitude = ma.fields.Float(required=True, allow_none=True)
    currency = ma.fields.String(required=True, metadata={"description": _CURRENCY_HELP})


class CanteenSchema(CanteenBriefSchema):
    neighbourhood_id = ma.fields.Integer()
    default_capacity = ma.fields.Integer()
    reminder_minutes = ma.fields.Integer(metadata={"description": _REMINDER_HELP})
    brief_at = ma.fields.String(metadata={"description": _BRIEF_HELP})
    created_at = UTCDateTime()


class CanteenDetailSchema(CanteenSchema):
    hosts = ma.fields.List(ma.fields.Nested(PersonSchema))


CanteenPageSchema = page_schema(CanteenSchema, "CanteenPage")


def _allergen_list() -> ma.fields.List:
    return ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(EU_ALLERGENS)),
        load_default=list,
        validate=ma.validate.Length(max=len(EU_ALLERGENS)),
        metadata={"description": "allergens in the menu, from the EU 14"},
    )


def _diet_list() -> ma.fields.List:
    return ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(DIETS)),
        load_default=list,
        validate=ma.validate.Length(max=len(DIETS)),
        metadata={"description": "diets the menu suits"},
    )


class PoolInputSchema(TrimmedSchema):
    key = ma.fields.String(
        required=True,
        validate=ma.validate.Regexp(POOL_KEY, error="Lower-case letters, digits and _ only."),
    )
    label = ma.fields.String(validate=ma.validate.Length(min=1, max=60))
    capacity = ma.fields.Integer(
        required=True, strict=True, validate=ma.validate.Range(min=0, max=500)
    )
    starts_at = UTCDateTime(allow_none=True)


class PoolPatchSchema(PoolInputSchema):
    capacity = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0, max=500))


def _unique_keys(pools: list[dict]) -> None:
    keys = [p["key"] for p in pools]
    if len(keys) != len(set(keys)):
        raise ma.ValidationError([FieldError("duplicate_pool", _l("Pool keys must be unique."))])


class MealCreateSchema(TrimmedSchema):
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    menu = ma.fields.String(load_default="", validate=ma.validate.Length(max=4000))
    starts_at = UTCDateTime(required=True)
    ends_at = UTCDateTime(required=True)
    signup_closes_at = UTCDateTime(load_default=None, allow_none=True)
    pools = ma.fields.List(
        ma.fields.Nested(PoolInputSchema),
        validate=[ma.validate.Length(min=1, max=6), _unique_keys],
        metadata={"description": "default: `table` (canteen capacity) and `kitchen`"},
    )
    allergens = _allergen_list()
    diets = _diet_list()
    cost_price_cents = ma.fields.Integer(
        load_default=0,
        strict=True,
        validate=ma.validate.Range(min=0, max=100_000),
        metadata={"description": _COST_HELP},
    )


class MealUpdateSchema(TrimmedSchema):
    scope = ma.fields.String(
        load_default="this",
        validate=ma.validate.OneOf(["this", "following"]),
        metadata={
            "description": "`this` meal only (default), or, for a meal of a series, this and "
            "the `following` ones: the series' template changes from this meal's date on "
            "(times stay on each meal's own day; signups stay)"
        },
    )
    title = ma.fields.String(validate=ma.validate.Length(min=1, max=120))
    menu = ma.fields.String(validate=ma.validate.Length(max=4000))
    starts_at = UTCDateTime()
    ends_at = UTCDateTime()
    signup_closes_at = UTCDateTime()
    pools = ma.fields.List(
        ma.fields.Nested(PoolPatchSchema), validate=[ma.validate.Length(min=1, max=6), _unique_keys]
    )
    allergens = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(EU_ALLERGENS)))
    diets = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(DIETS)))
    cost_price_cents = ma.fields.Integer(
        strict=True,
        validate=ma.validate.Range(min=0, max=100_000),
        metadata={"description": _COST_HELP},
    )


class PublishArgs(ma.Schema):
    publish = ma.fields.Boolean(load_default=False)


class MealListArgs(PageArgs):
    from_ = UTCDateTime(
        data_key="from",
        load_default=None,
        metadata={
            "description": "ISO 8601 date-time with an offset; meals starting at or after it "
            "(default: meals not yet ended, so upcoming ones and those in progress)"
        },
    )
    to = UTCDateTime(
        load_default=None,
        metadata={
            "description": "ISO 8601 date-time with an offset; meals starting before it (exclusive)"
        },
    )


class PoolAvailabilitySchema(ma.Schema):
    capacity = ma.fields.Integer()
    taken = ma.fields.Integer()
    left = ma.fields.Integer()
    waitlist = ma.fields.Integer()


class PoolSchema(ma.Schema):
    key = ma.fields.String()
    label = ma.fields.String()
    capacity = ma.fields.Integer()
    starts_at = UTCDateTime(allow_none=True)


class MySignupBriefSchema(ma.Schema):
    id = ma.fields.Integer()
    pool = ma.fields.Function(lambda s: s.pool.key)
    party_size = ma.fields.Integer()
    status = ma.fields.Enum(SignupStatus, by_value=True)
    waitlist_position = ma.fields.Integer(
        allow_none=True, metadata={"description": "1 for the next served; null unless waitlisted"}
    )


class MealSchema(ma.Schema):
    id = ma.fields.Integer()
    canteen = ma.fields.Nested(CanteenBriefSchema)
    is_host = ma.fields.Boolean(metadata={"description": "whether I host this meal"})
    neighbourhood_id = ma.fields.Integer()
    title = ma.fields.String()
    menu = ma.fields.String()
    starts_at = UTCDateTime()
    ends_at = UTCDateTime()
    signup_closes_at = UTCDateTime()
    allergens = ma.fields.List(ma.fields.String())
    diets = ma.fields.List(ma.fields.String())
    cost_price_cents = ma.fields.Integer(metadata={"description": _COST_HELP})
    status = ma.fields.String(metadata={"enum": ["draft", "published", "cancelled", "done"]})
    cancel_reason = ma.fields.String(allow_none=True)
    pools = ma.fields.List(ma.fields.Nested(PoolSchema))
    availability = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Nested(PoolAvailabilitySchema)
    )
    version = ma.fields.Integer(attribute="availability_version")
    my_signup = ma.fields.Nested(MySignupBriefSchema, allow_none=True)
    warnings = ma.fields.List(
        ma.fields.String(),
        metadata={"description": "allergens of the menu that I declared in my profile"},
    )
    unsuited_diets = ma.fields.List(
        ma.fields.String(), metadata={"description": "my diets the menu is not marked for"}
    )


class MealDetailSchema(MealSchema):
    conversation_id = ma.fields.Integer(
        allow_none=True,
        metadata={"description": "the meal's conversation: its hosts and confirmed diners"},
    )


MealPageSchema = page_schema(MealSchema, "MealPage")
HostingPageSchema = page_schema(MealSchema, "HostingPage")


class CancelMealSchema(TrimmedSchema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=1000))


class SignupCreateSchema(TrimmedSchema):
    pool = ma.fields.String(load_default="table", validate=ma.validate.Length(min=1, max=20))
    party_size = ma.fields.Integer(
        load_default=1, strict=True, validate=ma.validate.Range(min=1, max=4)
    )
    note = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=500)
    )


class SignupSchema(ma.Schema):
    id = ma.fields.Integer()
    meal_id = ma.fields.Integer()
    pool = ma.fields.Function(lambda s: s.pool.key)
    party_size = ma.fields.Integer()
    note = ma.fields.String(allow_none=True)
    status = ma.fields.Enum(SignupStatus, by_value=True)
    waitlist_position = ma.fields.Integer(allow_none=True)
    warnings = ma.fields.List(
        ma.fields.String(), metadata={"description": "the meal's allergens that I declared"}
    )
    unsuited_diets = ma.fields.List(ma.fields.String())
    attendance = ma.fields.Enum(Attendance, by_value=True, allow_none=True)
    contribution_cents = ma.fields.Integer(allow_none=True)
    created_at = UTCDateTime()


class MyMealSchema(SignupSchema):
    """One of my signups, with its meal as the meal list shows it."""

    meal = ma.fields.Nested(MealSchema)


MyMealPageSchema = page_schema(MyMealSchema, "MyMealPage")


class HostSignupSchema(ma.Schema):
    id = ma.fields.Integer()
    meal_id = ma.fields.Integer()
    user = ma.fields.Nested(PersonSchema)
    dietary = ma.fields.Nested(
        DietarySchema, metadata={"description": "the diner's declared diets and allergens"}
    )
    pool = ma.fields.Function(lambda s: s.pool.key)
    party_size = ma.fields.Integer()
    note = ma.fields.String(allow_none=True)
    status = ma.fields.Enum(SignupStatus, by_value=True)
    waitlist_position = ma.fields.Integer(allow_none=True)
    attendance = ma.fields.Enum(Attendance, by_value=True, allow_none=True)
    contribution_cents = ma.fields.Integer(allow_none=True)
    created_at = UTCDateTime()


class DietarySummarySchema(ma.Schema):
    confirmed_signups = ma.fields.Integer()
    confirmed_people = ma.fields.Integer()
    guests = ma.fields.Integer(metadata={"description": "people beyond the signer (needs unknown)"})
    diets = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    allergens = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())


class HostSignupPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(HostSignupSchema))
    next_cursor = ma.fields.String(allow_none=True)
    summary = ma.fields.Nested(DietarySummarySchema)
    meal = ma.fields.Nested(
        MealDetailSchema,
        allow_none=True,
        metadata={
            "description": "The meal (availability, canteen, conversation) on the first page, "
            "so that the host's check-in screen needs one request; null on later pages."
        },
    )


class HostSignupListArgs(PageArgs):
    status = ma.fields.String(
        load_default=None, validate=ma.validate.OneOf([s.value for s in SignupStatus])
    )


class CheckInSchema(ma.Schema):
    attendance = ma.fields.Enum(
        Attendance,
        by_value=True,
        required=True,
        metadata={"description": "as the signup's `attendance`: `attended` or `no_show`"},
    )
    contribution_cents = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=ma.validate.Range(min=0, max=1_000_000),
    )


class SeatTotalsSchema(ma.Schema):
    capacity = ma.fields.Integer()
    taken = ma.fields.Integer()
    waitlisted_signups = ma.fields.Integer()


class AttendanceTotalsSchema(ma.Schema):
    confirmed_signups = ma.fields.Integer()
    confirmed_people = ma.fields.Integer()
    attended_signups = ma.fields.Integer()
    attended_people = ma.fields.Integer()
    no_show_signups = ma.fields.Integer()
    no_show_people = ma.fields.Integer()
    not_checked_in_signups = ma.fields.Integer()


class ContributionTotalsSchema(ma.Schema):
    count = ma.fields.Integer()
    total_cents = ma.fields.Integer()
    average_per_person_cents = ma.fields.Integer()
    cost_total_cents = ma.fields.Integer()
    balance_cents = ma.fields.Integer()
    coverage = ma.fields.Float(allow_none=True, metadata={"description": "total / cost total"})


class MealSummarySchema(ma.Schema):
    meal_id = ma.fields.Integer()
    status = ma.fields.String()
    cost_price_cents = ma.fields.Integer(metadata={"description": _COST_HELP})
    currency = ma.fields.String(metadata={"description": _CURRENCY_HELP})
    availability = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Nested(PoolAvailabilitySchema)
    )
    seats = ma.fields.Nested(SeatTotalsSchema)
    attendance = ma.fields.Nested(AttendanceTotalsSchema)
    contributions = ma.fields.Nested(ContributionTotalsSchema)
