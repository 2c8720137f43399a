"""Simple summary statistics for a sequence of numbers."""

from collections.abc import Sequence

Number = int | float


def _require_values(values: Sequence[Number]) -> None:
    """Raise ValueError if ``values`` is empty."""
    if len(values) == 0:
        raise ValueError("at least one value is required")


def mean(values: Sequence[Number]) -> float:
    """Return the arithmetic mean of ``values``."""
    _require_values(values)
    return sum(values) / len(values)


def median(values: Sequence[Number]) -> Number:
    """Return the median of ``values``.

    For an even number of values this is the mean of the two middle values.
    """
    _require_values(values)
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2 == 1:
        return ordered[middle]
    return (ordered[middle] + ordered[middle + 1]) / 2


def value_range(values: Sequence[Number]) -> Number:
    """Return the difference between the largest and the smallest value."""
    _require_values(values)
    return max(values) - min(values)


def summary(values: Sequence[Number]) -> dict[str, Number]:
    """Return count, mean, median, min, max and range of ``values`` in a dict."""
    _require_values(values)
    return {
        "count": len(values),
        "mean": mean(values),
        "median": median(values),
        "min": min(values),
        "max": max(values),
        "range": value_range(values),
    }
