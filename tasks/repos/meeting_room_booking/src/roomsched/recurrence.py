"""Series of meetings: every N days, or every N weeks on chosen weekdays, for a number of
occurrences or until a day, minus exception days."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
MAX_OCCURRENCES = 366


@dataclass(frozen=True)
class Recurrence:
    freq: str = "weekly"  # daily | weekly
    interval: int = 1
    count: int | None = None
    until: date | None = None
    weekdays: tuple[str, ...] = ()  # weekly only; empty: the first occurrence's weekday
    exceptions: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.freq not in ("daily", "weekly"):
            raise ValueError(f"freq must be daily or weekly, not {self.freq!r}")
        if self.interval < 1:
            raise ValueError("interval must be at least 1")
        if (self.count is None) == (self.until is None):
            raise ValueError("give exactly one of count and until")
        if self.count is not None and not 1 <= self.count <= MAX_OCCURRENCES:
            raise ValueError(f"count must be between 1 and {MAX_OCCURRENCES}")
        unknown = [d for d in self.weekdays if d not in WEEKDAYS]
        if unknown:
            raise ValueError(f"unknown weekday {unknown[0]!r} (use {', '.join(WEEKDAYS)})")
        if self.weekdays and self.freq != "weekly":
            raise ValueError("weekdays only apply to weekly series")

    def _candidates(self, first: datetime):
        if self.freq == "daily":
            step = timedelta(days=self.interval)
            current = first
            while True:
                yield current
                current += step
        days = sorted({WEEKDAYS[d] for d in self.weekdays}) or [first.weekday()]
        week_start = first - timedelta(days=first.weekday())
        while True:
            for weekday in days:
                candidate = week_start + timedelta(days=weekday)
                if candidate >= first:
                    yield candidate
            week_start += timedelta(weeks=self.interval)

    def starts(self, first: datetime) -> list[datetime]:
        """The start of every occurrence, the exception days left out (they still count towards
        `count`: a cancelled meeting of a 10-meeting series leaves 9)."""
        out = []
        produced = 0
        for candidate in self._candidates(first):
            if self.until is not None and candidate.date() > self.until:
                break
            if self.count is not None and produced >= self.count:
                break
            produced += 1
            if produced > MAX_OCCURRENCES:
                raise ValueError(f"a series may not have more than {MAX_OCCURRENCES} occurrences")
            if candidate.date() not in self.exceptions:
                out.append(candidate)
        return out
