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


def _count_ways(steps: int, strides: tuple[int, ...], broken: frozenset[int]) -> int:
    """Number of ways to get from 0 to exactly ``steps``, computed bottom-up.

    ``ways[p]`` is the number of ways to reach position ``p``; each position is
    reached from the positions one stride below it, so every value is computed once.
    """
    ways = [0] * (steps + 1)
    ways[0] = 1
    for position in range(1, steps + 1):
        if position in broken:
            continue
        total = 0
        for stride in strides:
            if stride > position:
                break
            total += ways[position - stride]
        ways[position] = total
    return ways[steps]


def count_climbs(steps: int, strides: Iterable[int]) -> int:
    """Return how many stride sequences climb exactly ``steps`` stairs.

    >>> count_climbs(3, [1, 2])
    3
    """
    distinct = _check_strides(steps, strides)
    return _count_ways(steps, distinct, frozenset())


def count_climbs_avoiding(steps: int, strides: Iterable[int], broken: Iterable[int]) -> int:
    """Like :func:`count_climbs`, but no stride may land on a ``broken`` stair.

    >>> count_climbs_avoiding(4, [1, 2], broken=[2])
    1
    """
    distinct = _check_strides(steps, strides)
    return _count_ways(steps, distinct, frozenset(b for b in broken if 0 < b < steps))
