"""Dates of events that repeat every month on the same day."""

from datetime import date

_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def is_leap_year(year: int) -> bool:
    """Return True if ``year`` has a February 29 in the Gregorian calendar."""
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year: int, month: int) -> int:
    """Return the number of days of ``month`` (1-12) in ``year``."""
    if month == 2 and is_leap_year(year):
        return 29
    return _DAYS[month - 1]


def add_months(day: date, months: int) -> date:
    """Return the date ``months`` months after ``day``, clamped to the month's end."""
    index = day.year * 12 + (day.month - 1) + months  # months since year 0, month 0-based
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, days_in_month(year, month)))


def monthly(start: date, count: int) -> list[date]:
    """Return the first ``count`` dates of the monthly series starting on ``start``."""
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    # Always step from the start: a clamped date must not become the new anchor.
    return [add_months(start, index) for index in range(count)]


def occurrences_between(start: date, first: date, last: date) -> list[date]:
    """Return the dates of the series starting on ``start`` within ``first..last``."""
    found = []
    index = 0
    while True:
        current = add_months(start, index)
        if current > last:
            return found
        if current >= first:
            found.append(current)
        index += 1
