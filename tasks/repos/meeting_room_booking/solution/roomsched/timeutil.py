"""Times, durations and spans. Times are naive datetimes in the office's local time; the office
has one time zone, so no conversion is ever needed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

_DURATION = re.compile(r"^(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?$")
FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


def parse_time(value: str | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    text = value.strip()
    for fmt in FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(f"{value!r} is not a time like 2024-05-06 09:30")


def parse_day(value: str | date) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a day like 2024-05-06") from None


def parse_duration(value: str | int | timedelta) -> timedelta:
    """'1h30m', '45m', '2h', or minutes as an int."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int):
        return timedelta(minutes=value)
    match = _DURATION.match(value.strip().replace(" ", ""))
    if not match or not value.strip():
        raise ValueError(f"{value!r} is not a duration like 1h30m")
    return timedelta(hours=int(match["h"] or 0), minutes=int(match["m"] or 0))


def at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock)


@dataclass(frozen=True, order=True)
class Span:
    """From `start` up to, not including, `end`."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"a span must end after it starts ({self.start} - {self.end})")

    @classmethod
    def parse(cls, start: str | datetime, end: str | datetime) -> Span:
        return cls(parse_time(start), parse_time(end))

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def minutes(self) -> int:
        return int(self.duration.total_seconds() // 60)

    def overlaps(self, other: Span) -> bool:
        """True when the two spans share some moment of time."""
        # Half-open: a span that ends at 11:00 and one that starts at 11:00 share no moment.
        return self.start < other.end and other.start < self.end

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def covers(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end

    def padded(self, before: timedelta, after: timedelta) -> Span:
        return Span(self.start - before, self.end + after)

    def shifted(self, delta: timedelta) -> Span:
        return Span(self.start + delta, self.end + delta)

    def __str__(self) -> str:
        if self.start.date() == self.end.date():
            return f"{self.start:%Y-%m-%d %H:%M}-{self.end:%H:%M}"
        return f"{self.start:%Y-%m-%d %H:%M} - {self.end:%Y-%m-%d %H:%M}"
