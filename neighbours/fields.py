"""Shared marshmallow fields."""

from __future__ import annotations

import datetime as dt
from typing import Any

import marshmallow as ma

from neighbours.timefmt import iso

# The largest id a row can have: PostgreSQL's INTEGER, which every primary key here is.
MAX_ID = 2**31 - 1


def row_id(**kwargs: Any) -> ma.fields.Integer:
    """An id in a body: 1 to MAX_ID, so a larger number is a 422 naming the field, not an
    overflow in the database."""
    kwargs.setdefault("validate", ma.validate.Range(min=1, max=MAX_ID))
    return ma.fields.Integer(**kwargs)


def utc_iso(value: dt.datetime | None) -> str | None:
    """What a `UTCDateTime` field writes of a moment (None stays None): for the responses
    built without a schema (`neighbours.reads`), which must be the schema's byte for byte."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return iso(value.astimezone(dt.UTC))


class UTCDateTime(ma.fields.AwareDateTime):
    """ISO 8601; output in UTC with `Z`, input must carry an offset (any offset)."""

    def _serialize(self, value: dt.datetime | None, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return utc_iso(value)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> dt.datetime:
        result = super()._deserialize(value, attr, data, **kwargs)
        return result.astimezone(dt.UTC)
