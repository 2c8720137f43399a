"""Equal-width histograms over a closed range ``[low, high]``."""

import math
from collections.abc import Iterable


def _check(low: float, high: float, bins: int) -> None:
    if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
        raise ValueError(f"need finite low < high, got {low!r} and {high!r}")
    if not isinstance(bins, int) or isinstance(bins, bool) or bins < 1:
        raise ValueError(f"bins must be a positive integer, got {bins!r}")


def _edge(low: float, high: float, bins: int, i: int) -> float:
    return high if i == bins else low + (high - low) * i / bins


def bin_edges(low: float, high: float, bins: int) -> list[float]:
    """Return the ``bins + 1`` edges of the bins, from ``low`` to ``high``."""
    _check(low, high, bins)
    return [_edge(low, high, bins, i) for i in range(bins + 1)]


def bin_index(value: float, low: float, high: float, bins: int) -> int:
    """Return the bin holding ``value``; the last bin includes ``high``."""
    _check(low, high, bins)
    if math.isnan(value) or not low <= value <= high:
        raise ValueError(f"{value!r} is outside [{low!r}, {high!r}]")
    if value == high:
        return bins - 1
    index = min(math.floor((value - low) * bins / (high - low)), bins - 1)
    # The estimate can be one off because of rounding; the edges decide.
    while index > 0 and value < _edge(low, high, bins, index):
        index -= 1
    while index < bins - 1 and value >= _edge(low, high, bins, index + 1):
        index += 1
    return index


def histogram(values: Iterable[float], low: float, high: float, bins: int) -> list[int]:
    """Count the values in each bin; values outside the range and NaN are skipped."""
    _check(low, high, bins)
    counts = [0] * bins
    for value in values:
        try:
            counts[bin_index(value, low, high, bins)] += 1
        except ValueError:
            continue
    return counts
