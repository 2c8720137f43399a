"""Flatten nested lists and tuples, optionally only up to a given depth."""

from collections.abc import Iterable
from typing import Any


def flatten(items: Iterable[Any], depth: int | None = None) -> list[Any]:
    """Return a new flat list of the elements of ``items``.

    Nested containers are expanded recursively. With ``depth`` given, at most
    that many levels of nesting are removed; ``None`` removes all of them.
    """
    if depth is not None and depth < 0:
        raise ValueError("depth must not be negative")
    result: list[Any] = []
    for item in items:
        if isinstance(item, (list, tuple)) and (depth is None or depth > 0):
            result.extend(flatten(item, None if depth is None else depth - 1))
        else:
            result.append(item)
    return result


def nesting_depth(items: Iterable[Any]) -> int:
    """Return how many levels of lists/tuples ``items`` has (1 when flat)."""
    inner = [nesting_depth(item) for item in items if isinstance(item, (list, tuple))]
    return 1 + max(inner, default=0)
