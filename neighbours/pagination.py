"""Opaque keyset cursors.

A cursor is the sort key of the last item of a page, encoded. The next page is everything
strictly after that key in the list's order, so walking the cursors returns every item
exactly once even while new items are inserted (no OFFSET).
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, TypeDecorator, and_, literal, or_, tuple_

from neighbours.errors import Invalid

T = TypeVar("T")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


# Our cursors are under 100 characters; a longer one is not one of ours.
MAX_CURSOR_LENGTH = 512


def cursor_field(description: str) -> ma.fields.String:
    """A cursor query parameter (`after`, `before`)."""
    return ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(max=MAX_CURSOR_LENGTH),
        metadata={"description": description},
    )


class PageArgs(ma.Schema):
    """`?limit=` (1..100, default 20) and `?after=<cursor>`."""

    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT, validate=ma.validate.Range(min=1, max=MAX_LIMIT)
    )
    after = cursor_field("opaque cursor: a page's `next_cursor`")


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A `{items: [...], next_cursor}` schema around an item schema."""
    return type(
        name,
        (ma.Schema,),
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema)),
            "next_cursor": ma.fields.String(allow_none=True),
        },
    )


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and "t" in value:
        moment = datetime.fromisoformat(value["t"])
        if moment.tzinfo is None:
            raise ValueError("a cursor's times carry an offset")
        # In UTC, as the columns compare them: a date at the edge of the calendar with an
        # extreme offset (0001-01-01T00:00+23:59) has no UTC time (OverflowError) and no
        # database can take it.
        return moment.astimezone(UTC)
    return value


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int, *, param: str = "after") -> list[Any]:
    """Decode a cursor; 422 naming the query parameter (`param`) if it is not one of ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != arity:
            raise ValueError
        return [_decode_value(v) for v in values]
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        # ValueError covers bad base64, JSON, UTF-8 and ISO 8601; TypeError a time that is
        # not a string; RecursionError a forged cursor of deeply nested lists.
        raise Invalid(
            param, _l("Not a valid cursor."), reason="bad_cursor", location="query"
        ) from exc


@dataclass(frozen=True)
class SortKey:
    """One column of a list's order; `desc` for newest-first style orders."""

    column: ColumnElement[Any]
    desc: bool = False


def _after(keys: Sequence[SortKey], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows strictly after `values` in the order given by `keys` (mixed directions allowed).

    When every key runs the same way this is one row comparison, `(a, b) > (x, y)`, which
    PostgreSQL turns into an index range that starts at the cursor; an OR of prefixes can't be.
    """
    if len(keys) > 1 and len({k.desc for k in keys}) == 1:
        left = tuple_(*[k.column for k in keys])
        right = tuple_(
            *[literal(v, type_=k.column.type) for k, v in zip(keys, values, strict=True)]
        )
        return left < right if keys[0].desc else left > right
    clauses = []
    for i, key in enumerate(keys):
        equal_prefix = [k.column == v for k, v in zip(keys[:i], values[:i], strict=True)]
        step = key.column < values[i] if key.desc else key.column > values[i]
        clauses.append(and_(*equal_prefix, step))
    return or_(*clauses)


_INT64 = 2**63


def _python_type(column: ColumnElement[Any]) -> type | None:
    column_type = column.type
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    try:
        return column_type.python_type
    except NotImplementedError:
        return None


def _fits(key: SortKey, value: Any) -> bool:
    """Whether a decoded cursor value can be compared with the key's column in SQL."""
    if value is None or isinstance(value, list | dict):
        return False
    expected = _python_type(key.column)
    if isinstance(value, bool):
        return expected in (bool, None, object)
    if isinstance(value, int):
        return expected in (int, float, None, object) and -_INT64 <= value < _INT64
    if isinstance(value, float):
        return expected in (float, None, object) and math.isfinite(value)
    if isinstance(value, str):
        return expected in (str, None, object)
    if isinstance(value, datetime):  # our cursors carry aware UTC times; the columns want them
        return expected in (datetime, None, object) and value.tzinfo is not None
    return False


def check_cursor(keys: Sequence[SortKey], values: Sequence[Any], *, param: str = "after") -> None:
    """A cursor made for another list (or forged) must be 422, not a database error."""
    if not all(_fits(k, v) for k, v in zip(keys, values, strict=True)):
        raise Invalid(
            param, _l("Not a valid cursor for this list."), reason="bad_cursor", location="query"
        )


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def paginate(
    session: Any,
    stmt: Select[Any],
    keys: Sequence[SortKey],
    key_of: Callable[[Any], Sequence[Any]],
    *,
    limit: int,
    after: str | None,
    scalars: bool = True,
) -> Page[Any]:
    """Run a keyset-paginated query.

    `stmt` must select rows that `key_of` can read the sort key from; the order is added here.
    """
    if after:
        values = decode_cursor(after, len(keys))
        check_cursor(keys, values)
        stmt = stmt.where(_after(keys, values))
    stmt = stmt.order_by(*[k.column.desc() if k.desc else k.column.asc() for k in keys])
    stmt = stmt.limit(limit + 1)
    result = session.execute(stmt)
    rows = list(result.scalars() if scalars else result.all())
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = encode_cursor(key_of(rows[-1])) if more and rows else None
    return Page(rows, cursor)
