"""Count the ways to climb a staircase with a given set of stride lengths."""

from collections.abc import Iterable


def _check_strides(steps: int, strides: Iterable[int]) -> tuple[int, ...]:
    """Validate the arguments and return the distinct strides in ascending order."""
    if not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    distinct = set(strides)
    for stride in distinct:
        if not isinstance(stride, int) or isinstance(stride, bool) or stride <= 0:
            raise ValueError(f"strides must be positive integers, got {stride!r}")
    return tuple(sorted(distinct))


def _ways_from(position: int, steps: int, strides: tuple[int, ...], broken: frozenset[int]) -> int:
    """Number of ways to get from ``position`` to exactly ``steps``."""
    if position == steps:
        return 1
    if position > steps or position in broken:
        return 0
    total = 0
    for stride in strides:
        total += _ways_from(position + stride, steps, strides, broken)
    return total


def count_climbs(steps: int, strides: Iterable[int]) -> int:
    """Return how many stride sequences climb exactly ``steps`` stairs.

    >>> count_climbs(3, [1, 2])
    3
    """
    distinct = _check_strides(steps, strides)
    return _ways_from(0, steps, distinct, frozenset())


def count_climbs_avoiding(steps: int, strides: Iterable[int], broken: Iterable[int]) -> int:
    """Like :func:`count_climbs`, but no stride may land on a ``broken`` stair.

    >>> count_climbs_avoiding(4, [1, 2], broken=[2])
    1
    """
    distinct = _check_strides(steps, strides)
    return _ways_from(0, steps, distinct, frozenset(broken))
