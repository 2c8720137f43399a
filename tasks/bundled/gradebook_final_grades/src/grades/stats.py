"""Means and rounding for grade calculations."""

from collections.abc import Iterable


def mean(values: Iterable[float]) -> float:
    """Return the arithmetic mean of ``values``."""
    values = list(values)
    if not values:
        raise ValueError("mean of no values")
    return sum(values) / len(values)


def weighted_mean(pairs: Iterable[tuple[float, float]]) -> float:
    """Return ``sum(value * weight) / sum(weight)`` for ``(value, weight)`` pairs."""
    pairs = list(pairs)
    total_weight = sum(weight for _, weight in pairs)
    if total_weight <= 0:
        raise ValueError("the total weight must be positive")
    return sum(value * weight for value, weight in pairs) / total_weight


def round_half_up(value: float, digits: int = 1) -> float:
    """Round ``value`` to ``digits`` decimals, halves rounded up (89.95 -> 90.0)."""
    return round(value, digits)
