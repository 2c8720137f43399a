"""Remove repeated entries from a sequence, keeping the order of first appearance."""

from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

T = TypeVar("T")


def dedupe(items: Iterable[T]) -> list[T]:
    """Return the items without repeats, each kept where it first appeared.

    >>> dedupe([3, 1, 3, 2, 1])
    [3, 1, 2]
    """
    unique: list[T] = []
    for item in items:
        if item in unique:
            continue
        unique.append(item)
    return unique


def dedupe_by(items: Iterable[T], key: Callable[[T], Hashable]) -> list[T]:
    """Return the first item of every group of items with an equal ``key(item)``.

    >>> dedupe_by(["b", "A", "a", "B"], str.lower)
    ['b', 'A']
    """
    seen_keys: list[Hashable] = []
    unique: list[T] = []
    for item in items:
        item_key = key(item)
        if item_key in seen_keys:
            continue
        seen_keys.append(item_key)
        unique.append(item)
    return unique
