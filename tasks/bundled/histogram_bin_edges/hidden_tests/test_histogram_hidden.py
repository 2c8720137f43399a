import math
import random

import pytest

from histogram import bin_edges, bin_index, histogram


def test_values_on_decimal_edges():
    assert bin_index(0.3, 0, 1, 10) == 3
    assert bin_index(0.7, 0, 1, 10) == 7
    assert bin_index(0.6, 0.0, 1.2, 12) == 6
    edges = bin_edges(0, 1, 10)
    for i, edge in enumerate(edges[:-1]):
        assert bin_index(edge, 0, 1, 10) == i


def test_last_edge_is_exactly_high():
    for low, high, bins in [(0.1, 0.7, 3), (-1.1, 2.2, 7), (0, 0.3, 3), (1e-3, 1.0, 9)]:
        edges = bin_edges(low, high, bins)
        assert len(edges) == bins + 1
        assert edges[0] == low and edges[-1] == high
        assert all(a < b for a, b in zip(edges, edges[1:]))


def test_negative_ranges():
    assert bin_edges(-10, -2, 4) == [-10, -8, -6, -4, -2]
    assert bin_index(-10, -10, -2, 4) == 0
    assert bin_index(-8.5, -10, -2, 4) == 0
    assert bin_index(-8, -10, -2, 4) == 1
    assert bin_index(-2, -10, -2, 4) == 3
    for outside in (-10.5, -1.5, -11, 0):
        with pytest.raises(ValueError):
            bin_index(outside, -10, -2, 4)


def test_just_outside_the_range():
    for value in (-1e-9, -0.04, 1 + 1e-9, 1.05):
        with pytest.raises(ValueError):
            bin_index(value, 0, 1, 10)
    with pytest.raises(ValueError):
        bin_index(math.nan, 0, 1, 10)
    with pytest.raises(ValueError):
        bin_index(math.inf, 0, 1, 10)


def test_histogram_skips_outside_and_nan():
    values = [-0.5, 0, 0.25, 0.5, 0.75, 1, 1.5, math.nan, -math.inf]
    assert histogram(values, 0, 1, 4) == [1, 1, 1, 2]
    assert histogram([], 0, 1, 3) == [0, 0, 0]
    assert histogram(iter([2, 2, 2]), 1, 3, 1) == [3]


def test_random_values_agree_with_edges():
    rng = random.Random(1234)
    for _ in range(300):
        low = round(rng.uniform(-50, 50), rng.randrange(0, 3))
        high = low + (round(rng.uniform(0.1, 30), rng.randrange(0, 3)) or 1.0)
        bins = rng.randrange(1, 25)
        edges = bin_edges(low, high, bins)
        samples = [rng.uniform(low, high) for _ in range(20)] + edges + [round(rng.uniform(low, high), 1) for _ in range(10)]
        for value in samples:
            if not low <= value <= high:
                continue
            i = bin_index(value, low, high, bins)
            assert 0 <= i < bins
            assert edges[i] <= value, (value, low, high, bins, i)
            assert value < edges[i + 1] or (i == bins - 1 and value == high), (value, low, high, bins, i)
        assert sum(histogram(samples, low, high, bins)) == sum(1 for v in samples if low <= v <= high)


def test_invalid_arguments():
    for args in [(1, 1, 3), (2, 1, 3), (0, math.inf, 3), (math.nan, 1, 3), (0, 1, 0), (0, 1, -2), (0, 1, 2.0), (0, 1, True)]:
        with pytest.raises(ValueError):
            bin_edges(*args)
        with pytest.raises(ValueError):
            histogram([0.5], *args)
