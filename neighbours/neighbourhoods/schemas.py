"""Neighbourhood schemas."""

from __future__ import annotations

import re

import marshmallow as ma
from flask_babel import lazy_gettext as _l

from neighbours.accounts.schemas import PersonSchema, TrimmedSchema
from neighbours.fields import UTCDateTime
from neighbours.i18n import template
from neighbours.neighbourhoods.models import JoinPolicy, MembershipStatus, Role
from neighbours.pagination import PageArgs, page_schema


def _enum_field(cls: type, **kwargs: object) -> ma.fields.Enum:
    return ma.fields.Enum(cls, by_value=True, **kwargs)


class NeighbourhoodCreateSchema(TrimmedSchema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=2, max=80))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))
    city = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=80))
    latitude = ma.fields.Float(required=True, validate=ma.validate.Range(min=-90, max=90))
    longitude = ma.fields.Float(required=True, validate=ma.validate.Range(min=-180, max=180))
    radius_m = ma.fields.Integer(required=True, validate=ma.validate.Range(min=50, max=50_000))
    join_policy = _enum_field(JoinPolicy, required=True)


class MyMembershipSchema(ma.Schema):
    status = _enum_field(MembershipStatus)
    role = _enum_field(Role)


class NeighbourhoodSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    description = ma.fields.String()
    city = ma.fields.String()
    latitude = ma.fields.Float()
    longitude = ma.fields.Float()
    radius_m = ma.fields.Integer()
    join_policy = _enum_field(JoinPolicy)
    member_count = ma.fields.Integer()
    created_at = UTCDateTime()


class NeighbourhoodListItemSchema(NeighbourhoodSchema):
    distance_m = ma.fields.Function(
        lambda v: None if v.distance_m is None else round(v.distance_m),
        metadata={"description": "metres from `near`; null without `near`"},
    )


class NeighbourhoodDetailSchema(NeighbourhoodSchema):
    my_membership = ma.fields.Nested(MyMembershipSchema, allow_none=True)


NeighbourhoodPageSchema = page_schema(NeighbourhoodListItemSchema, "NeighbourhoodPage")


# `lat,lon` in decimal degrees, each within its range: the document states this very pattern,
# so what it calls valid is exactly what the server accepts.
NEAR_PATTERN = (
    r"^-?(90(\.0+)?|[1-8]?[0-9](\.[0-9]+)?),"
    r"-?(180(\.0+)?|(1[0-7][0-9]|[1-9]?[0-9])(\.[0-9]+)?)$"
)
_NEAR = re.compile(NEAR_PATTERN)


_NEAR_FORMAT = template(
    "bad_format",
    _l(
        "Expected `lat,lon` in decimal degrees, latitude within -90..90 and longitude "
        "within -180..180, e.g. 45.77,4.83."
    ),
)
_NEAR_TYPE = template("invalid", _l("Expected `lat,lon`."))


def _parse_near(value: str) -> tuple[float, float]:
    if not _NEAR.match(value):
        raise ma.ValidationError(_NEAR_FORMAT)
    lat_text, lon_text = value.split(",")
    return float(lat_text), float(lon_text)


class NearField(ma.fields.Field):
    def _deserialize(self, value: object, attr: object, data: object, **kwargs: object) -> object:
        if not isinstance(value, str):
            raise ma.ValidationError(_NEAR_TYPE)
        return _parse_near(value)


class NeighbourhoodListArgs(PageArgs):
    near = NearField(
        load_default=None,
        metadata={
            "type": "string",
            "pattern": NEAR_PATTERN,
            "description": "`lat,lon` in decimal degrees (e.g. 45.77,4.83): nearest first",
        },
    )
    within_m = ma.fields.Integer(
        load_default=50_000,
        validate=ma.validate.Range(min=100, max=500_000),
        metadata={"description": "with `near`: only neighbourhoods this close (metres)"},
    )
    q = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=80))


class JoinSchema(TrimmedSchema):
    invite_code = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(equal=6)
    )
    message = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=500)
    )


class MembershipSchema(ma.Schema):
    id = ma.fields.Integer()
    neighbourhood_id = ma.fields.Integer()
    user_id = ma.fields.Integer()
    status = _enum_field(MembershipStatus)
    role = _enum_field(Role)
    created_at = UTCDateTime()


class MemberSchema(ma.Schema):
    id = ma.fields.Integer()
    neighbourhood_id = ma.fields.Integer()
    user = ma.fields.Nested(PersonSchema)
    status = _enum_field(MembershipStatus)
    role = _enum_field(Role)
    created_at = UTCDateTime()
    message = ma.fields.Function(
        lambda m: m.message if m.status == MembershipStatus.PENDING else None,
        allow_none=True,
        metadata={"description": "the request's message (pending requests only)"},
    )


MemberPageSchema = page_schema(MemberSchema, "MemberPage")


class MemberListArgs(PageArgs):
    status = ma.fields.Enum(
        MembershipStatus,
        by_value=True,
        load_default=MembershipStatus.ACTIVE,
        validate=ma.validate.OneOf([MembershipStatus.ACTIVE, MembershipStatus.PENDING]),
        metadata={"description": "`pending` is for moderators"},
    )


class RoleChangeSchema(ma.Schema):
    role = _enum_field(Role, required=True)


class InviteSchema(ma.Schema):
    code = ma.fields.String()
    neighbourhood_id = ma.fields.Integer()
    expires_at = UTCDateTime()
