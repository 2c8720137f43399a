"""Binary search over a list sorted in ascending order."""

from collections.abc import Sequence
from typing import Any


def binary_search(items: Sequence[Any], target: Any) -> int:
    """Return an index of ``target`` in the sorted sequence ``items``, or -1.

    The sequence must be sorted in ascending order. The search halves the
    candidate range on every step, so it needs O(log n) comparisons.
    """
    lo, hi = 0, len(items) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        value = items[mid]
        if value == target:
            return mid
        if value < target:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1


def contains(items: Sequence[Any], target: Any) -> bool:
    """Return True if ``target`` occurs in the sorted sequence ``items``."""
    return binary_search(items, target) != -1
