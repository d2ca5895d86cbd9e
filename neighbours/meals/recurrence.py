"""The rhythm of a meal series: the RRULE subset it takes, its dates, and its local times.

A series repeats weekly: on chosen days (`FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR`), every N weeks
(`INTERVAL=2`). Nothing else of RFC 5545's RRULE is taken (no daily, monthly or yearly rule,
no `BYSETPOS`, no ordinal days): a series ends with its own `until` or `count`. The rule is
checked here part by part, then parsed by `python-dateutil`, which yields its dates.

Times are wall-clock times in the canteen's time zone: 12:30 stays 12:30 on both sides of a
daylight-saving change, so the UTC instant moves. A local time that does not exist on a date
(the hour the clocks skip in spring) is refused when a series is created or edited
(`check_times`); one met later, past what was checked, is read as RFC 5545 says, with the
offset from before the gap (02:30 becomes 03:30). A time that happens twice (autumn) is the
first of the two.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr
from flask_babel import lazy_gettext as _l

from neighbours.errors import Invalid

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
PARTS = ("FREQ", "INTERVAL", "BYDAY")
MAX_INTERVAL = 52
# What a series may hold: a bounded one in all, an open-ended one in each window generated.
MAX_MEALS = 200
# How far ahead `check_times` looks for a time that doesn't exist, in an open-ended series.
CHECKED_YEARS = 2

_PART = re.compile(r"^([A-Z]+)=([A-Z0-9,]+)$")
UNSUPPORTED = _l(
    "Not a rule a series can follow: FREQ=WEEKLY, with INTERVAL=1 to %(max)s and BYDAY=MO,TU,"
    "WE,TH,FR,SA,SU (days without a number), separated by ';'.",
    max=MAX_INTERVAL,
)


def _unsupported() -> Invalid:
    return Invalid("rrule", UNSUPPORTED, reason="unsupported_rrule")


def normalise_rule(text: str) -> str:
    """The rule in its one written form (`FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH`), or a 422
    naming `rrule`. An `RRULE:` prefix and lower case are accepted."""
    body = text.strip().upper()
    if body.startswith("RRULE:"):
        body = body[len("RRULE:") :]
    parts: dict[str, str] = {}
    for piece in body.split(";"):
        match = _PART.match(piece.strip())
        if match is None or match.group(1) not in PARTS or match.group(1) in parts:
            raise _unsupported()
        parts[match.group(1)] = match.group(2)
    if parts.get("FREQ") != "WEEKLY":
        raise _unsupported()
    interval = parts.get("INTERVAL", "1")
    if not interval.isdigit() or not 1 <= int(interval) <= MAX_INTERVAL:
        raise _unsupported()
    days = parts["BYDAY"].split(",") if "BYDAY" in parts else []
    if any(day not in DAYS for day in days) or len(set(days)) != len(days):
        raise _unsupported()
    written = ["FREQ=WEEKLY"]
    if int(interval) != 1:
        written.append(f"INTERVAL={int(interval)}")
    if days:
        written.append("BYDAY=" + ",".join(sorted(days, key=DAYS.index)))
    normalised = ";".join(written)
    try:
        rrulestr(normalised, dtstart=datetime(2000, 1, 3))
    except ValueError:
        raise _unsupported() from None
    return normalised


@dataclass(frozen=True)
class Rhythm:
    """A series' dates: its rule from its first day, ending on `until` or after `count`."""

    rule: str
    starts_on: date
    until: date | None = None
    count: int | None = None

    def _rrule(self) -> rrule:
        parsed = rrulestr(self.rule, dtstart=datetime.combine(self.starts_on, time()))
        assert isinstance(parsed, rrule)
        until = datetime.combine(self.until, time()) if self.until else None
        return parsed.replace(until=until, count=self.count)

    def dates(self, first: date, last: date) -> list[date]:
        """The dates of the rule from `first` to `last`, both included."""
        if last < first:
            return []
        moments = self._rrule().between(
            datetime.combine(first, time()), datetime.combine(last, time()), inc=True
        )
        return [moment.date() for moment in moments]

    def is_date(self, day: date) -> bool:
        return self.dates(day, day) == [day]

    def total(self, limit: int) -> int | None:
        """How many dates it has in all, counting at most `limit + 1`; None if open-ended."""
        if self.until is None and self.count is None:
            return None
        found = 0
        for _moment in self._rrule():
            found += 1
            if found > limit:
                break
        return found

    def checked_until(self, first: date) -> date:
        """The last date `check_times` looks at from `first`: the end, or CHECKED_YEARS on."""
        ahead = first + timedelta(days=366 * CHECKED_YEARS)
        return min(self.until, ahead) if self.until else ahead


def exists(day: date, at: time, zone: ZoneInfo) -> bool:
    """Whether the wall-clock time `at` happens on `day` in `zone` (not in a spring gap)."""
    naive = datetime.combine(day, at)
    back = naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
    return back.replace(tzinfo=None) == naive


def instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of local `at` on `day`: the first of two in an overlap, and a time in
    a gap read with the offset from before it (RFC 5545, 3.3.5)."""
    return datetime.combine(day, at).replace(tzinfo=zone).astimezone(UTC)


def check_times(dates: Iterable[date], zone: ZoneInfo, times: list[tuple[str, time]]) -> None:
    """A 422 naming the field whose local time does not exist on one of these dates."""
    for day in dates:
        for field, at in times:
            if not exists(day, at, zone):
                raise Invalid(
                    field,
                    _l(
                        "%(time)s does not exist in %(zone)s on %(date)s: the clocks go "
                        "forward then. Choose another time.",
                        time=at.strftime("%H:%M"),
                        zone=zone.key,
                        date=day.isoformat(),
                    ),
                    reason="nonexistent_local_time",
                )


def local_today(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()
