"""Merging and measuring closed numeric intervals."""

from collections.abc import Iterable, Sequence

Interval = tuple[float, float]


def merge(intervals: Iterable[Sequence[float]]) -> list[Interval]:
    """Merge overlapping or touching intervals.

    Returns a new list of ``(start, end)`` tuples sorted by start, in which no two
    intervals overlap or touch. The input is not modified.
    """
    merged: list[Interval] = []
    for start, end in sorted(intervals, key=lambda pair: (pair[0], pair[1])):
        if merged and start <= merged[-1][1]:
            last_start, last_end = merged[-1]
            merged[-1] = (last_start, max(last_end, end))
        else:
            merged.append((start, end))
    return merged


def total_length(intervals: Iterable[Sequence[float]]) -> float:
    """Return the total length covered by ``intervals``, counting overlaps once."""
    return sum(end - start for start, end in merge(intervals))


def overlaps(intervals: Iterable[Sequence[float]], point: float) -> bool:
    """Return True if ``point`` lies in one of the closed ``intervals``."""
    return any(start <= point <= end for start, end in merge(intervals))
