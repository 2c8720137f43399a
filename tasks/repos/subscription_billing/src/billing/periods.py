"""Billing periods.

A subscription is billed in periods of a whole number of months, counted from its anchor date:
period 0 starts on the anchor, period n starts n intervals later. A period ends where the next
one starts (the end is exclusive). When the anchor day does not exist in a month, the period
starts on that month's last day; the periods after it go back to the anchor day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from itertools import islice
from typing import Iterator

from dateutil.relativedelta import relativedelta


class Interval(Enum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"

    @property
    def months(self) -> int:
        return {"month": 1, "quarter": 3, "year": 12}[self.value]

    @property
    def adjective(self) -> str:
        return {"month": "monthly", "quarter": "quarterly", "year": "yearly"}[self.value]

    @classmethod
    def parse(cls, text: str) -> Interval:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise ValueError(f"unknown billing interval {text!r}: use month, quarter or year") from None


@dataclass(frozen=True)
class BillingPeriod:
    index: int
    start: date
    end: date  # exclusive: the next period's start

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    def overlap(self, start: date, end: date) -> tuple[date, date] | None:
        """The part of [start, end) inside this period, or None."""
        lo, hi = max(start, self.start), min(end, self.end)
        return (lo, hi) if lo < hi else None

    def __str__(self) -> str:
        return f"{self.start.isoformat()} to {self.last_day.isoformat()}"


def _step(interval: Interval) -> relativedelta:
    return relativedelta(months=interval.months)


def iter_periods(anchor: date, interval: Interval, first_index: int = 0) -> Iterator[BillingPeriod]:
    """Successive periods from `first_index` on, without end."""
    start = anchor + _step(interval) * first_index
    index = first_index
    while True:
        end = start + _step(interval)
        yield BillingPeriod(index, start, end)
        start, index = end, index + 1


def period(anchor: date, interval: Interval, index: int) -> BillingPeriod:
    if index < 0:
        raise ValueError(f"period index must be >= 0, not {index}")
    return next(islice(iter_periods(anchor, interval), index, None))


def index_of(anchor: date, interval: Interval, day: date) -> int:
    """The index of the period that contains `day` (which must not precede the anchor)."""
    if day < anchor:
        raise ValueError(f"{day} is before the anchor date {anchor}")
    months = (day.year - anchor.year) * 12 + day.month - anchor.month
    guess = max(0, months // interval.months - 1)
    for candidate in iter_periods(anchor, interval, 0):
        if candidate.index < guess:
            continue
        if candidate.contains(day):
            return candidate.index
    raise AssertionError("unreachable: periods cover every day after the anchor")


def period_on(anchor: date, interval: Interval, day: date) -> BillingPeriod:
    return period(anchor, interval, index_of(anchor, interval, day))


def periods_between(anchor: date, interval: Interval, start: date, end: date) -> list[BillingPeriod]:
    """Every period that overlaps [start, end)."""
    if end <= start:
        return []
    first = index_of(anchor, interval, max(start, anchor))
    found = []
    for candidate in iter_periods(anchor, interval, 0):
        if candidate.index < first:
            continue
        if candidate.start >= end:
            break
        found.append(candidate)
    return found
