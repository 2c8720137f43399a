"""Aggregates over one column of a group of records. Amounts stay Decimal throughout."""

from __future__ import annotations

from decimal import Decimal
from typing import Callable

Aggregate = Callable[[list[dict], str], object]


def _values(records: list[dict], column: str) -> list:
    return [r[column] for r in records if r.get(column) is not None]


def total(records: list[dict], column: str) -> Decimal:
    return sum((Decimal(v) for v in _values(records, column)), Decimal(0))


def count(records: list[dict], column: str) -> int:
    return len(records)


def count_distinct(records: list[dict], column: str) -> int:
    return len(set(_values(records, column)))


def mean(records: list[dict], column: str) -> Decimal | None:
    values = _values(records, column)
    if not values:
        return None
    return sum((Decimal(v) for v in values), Decimal(0)) / len(values)


def median(records: list[dict], column: str) -> Decimal | None:
    values = sorted(Decimal(v) for v in _values(records, column))
    if not values:
        return None
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle]) / 2


def minimum(records: list[dict], column: str):
    return min(_values(records, column), default=None)


def maximum(records: list[dict], column: str):
    return max(_values(records, column), default=None)


AGGREGATES: dict[str, Aggregate] = {
    "sum": total,
    "count": count,
    "distinct": count_distinct,
    "mean": mean,
    "median": median,
    "min": minimum,
    "max": maximum,
}


def get(name: str) -> Aggregate:
    try:
        return AGGREGATES[name]
    except KeyError:
        raise ValueError(f"unknown aggregate {name!r} (aggregates: {', '.join(AGGREGATES)})") from None


def share_of_total(groups: dict[tuple, list[dict]], column: str) -> dict[tuple, Decimal]:
    """Each group's sum as a fraction of the sum over all groups (0 when the total is 0)."""
    sums = {key: total(members, column) for key, members in groups.items()}
    grand = sum(sums.values(), Decimal(0))
    return {key: (value / grand if grand else Decimal(0)) for key, value in sums.items()}
