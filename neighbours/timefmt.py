"""The one way a moment is written into JSON built by hand (snapshots, log details, exports)."""

from __future__ import annotations

from datetime import datetime
from typing import overload


@overload
def iso(value: datetime) -> str: ...
@overload
def iso(value: None) -> None: ...
@overload
def iso(value: datetime | None) -> str | None: ...
def iso(value: datetime | None) -> str | None:
    """ISO 8601 with `Z` for UTC, as the API's date-time fields; None stays None."""
    return value.isoformat().replace("+00:00", "Z") if value else None
