import random

import pytest

from climbs import count_climbs, count_climbs_avoiding


def reference(steps, strides, broken=()):
    """Count by enumerating every reachable position, breadth first (small inputs only)."""
    strides = sorted(set(strides))
    counts = {0: 1}
    total = 1 if steps == 0 else 0
    frontier = {0: 1}
    while frontier:
        following = {}
        for position, ways in frontier.items():
            for stride in strides:
                nxt = position + stride
                if nxt > steps or (nxt in broken and nxt != steps):
                    continue
                following[nxt] = following.get(nxt, 0) + ways
        total += following.pop(steps, 0)
        frontier = following
    return total


def fibonacci(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def test_matches_enumeration_for_many_small_inputs():
    rng = random.Random(4321)
    for _ in range(250):
        steps = rng.randrange(0, 25)
        strides = rng.sample(range(1, 8), rng.randrange(1, 4))
        assert count_climbs(steps, strides) == reference(steps, strides), (steps, strides)


def test_avoiding_matches_enumeration():
    rng = random.Random(99)
    for _ in range(250):
        steps = rng.randrange(1, 25)
        strides = rng.sample(range(1, 6), rng.randrange(1, 4))
        broken = set(rng.sample(range(1, steps + 1), min(steps, rng.randrange(0, 4)))) - {steps}
        assert count_climbs_avoiding(steps, strides, broken) == reference(steps, strides, broken), (steps, strides, broken)


def test_different_stride_sets_do_not_share_results():
    assert count_climbs(10, [1, 2]) == 89
    assert count_climbs(10, [1, 3]) == 28
    assert count_climbs(10, [2]) == 1
    assert count_climbs(11, [2]) == 0
    assert count_climbs(10, [1, 2]) == 89


def test_repeated_strides_count_once_and_any_iterable_works():
    assert count_climbs(6, [1, 2, 2, 1]) == 13
    assert count_climbs(6, (s for s in (2, 1))) == 13
    assert count_climbs(6, range(1, 3)) == 13


def test_no_strides():
    assert count_climbs(0, []) == 1
    assert count_climbs(5, []) == 0


def test_broken_positions_outside_the_staircase_are_ignored():
    assert count_climbs_avoiding(5, [1, 2], broken=[0, 5, 9, -3]) == 8
    assert count_climbs_avoiding(5, [1, 2], broken=[]) == 8
    assert count_climbs_avoiding(6, [1, 2], broken=[2, 3]) == 0


def test_validation():
    for bad in ([1, -2], [1.5], [True]):
        with pytest.raises(ValueError):
            count_climbs(4, bad)
    with pytest.raises(ValueError):
        count_climbs_avoiding(-2, [1], [])


def test_hundreds_of_stairs():
    assert count_climbs(90, [1, 2]) == fibonacci(91)
    a, b, c = 1, 1, 2  # ways for 0, 1 and 2 stairs with strides 1, 2 and 3
    for _ in range(120 - 2):
        a, b, c = b, c, a + b + c
    assert count_climbs(120, [1, 2, 3]) == c


def test_ten_thousand_stairs():
    assert count_climbs(10_000, [1, 2]) == fibonacci(10_001)


def test_ten_thousand_stairs_with_broken_ones():
    broken = range(7, 10_000, 7)
    result = count_climbs_avoiding(10_000, [1, 2, 3], broken)
    # Between broken stairs 7k and 7(k+1) lie six free stairs: the pattern repeats.
    assert result > 0
    assert result == count_climbs_avoiding(10_000, [3, 2, 1, 2], list(broken))
    assert count_climbs_avoiding(9_000, [2, 4], range(1, 9_000, 2)) == count_climbs(4_500, [1, 2])
