import math
import random
from fractions import Fraction

import pytest

from allocation import allocate, format_cents, split_bill, split_evenly


def reference(total, weights):
    sign = -1 if total < 0 else 1
    total = abs(total)
    whole = sum(Fraction(w) for w in weights)
    shares = [total * Fraction(w) / whole for w in weights]
    parts = [math.floor(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: (-(shares[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return [sign * p for p in parts]


def test_ties_go_to_the_lower_index():
    assert allocate(2, [1, 1, 1]) == [1, 1, 0]
    assert allocate(1, [5, 5]) == [1, 0]
    assert split_evenly(7, 5) == [2, 2, 1, 1, 1]
    assert allocate(3, [2, 1, 2, 1]) == [1, 1, 1, 0]


def test_huge_amounts_are_exact():
    total = 10**18 + 7
    parts = allocate(total, [1, 1, 1])
    assert sum(parts) == total
    assert parts == [333333333333333336, 333333333333333336, 333333333333333335]
    parts = allocate(98_765_432_123_456_789, [3, 7, 11, 13])
    assert parts == reference(98_765_432_123_456_789, [3, 7, 11, 13])


def test_negative_totals_are_mirrored():
    for total, weights in [(-5, [3, 7]), (-1, [1, 1]), (-7, [1, 1, 1, 1, 1]), (-10**15 - 1, [2, 3])]:
        assert allocate(total, weights) == [-p for p in allocate(-total, weights)]
    assert allocate(-1, [1, 1]) == [-1, 0]


def test_zero_weights_and_zero_total():
    assert allocate(100, [0, 1, 0]) == [0, 100, 0]
    assert allocate(0, [1, 2]) == [0, 0]
    assert allocate(7, [0, 3, 0, 3]) == [0, 4, 0, 3]


def test_fraction_weights():
    assert allocate(100, [Fraction(1, 3), Fraction(2, 3)]) == [33, 67]
    assert allocate(10, [Fraction(1, 2), 1, Fraction(1, 2)]) == [3, 5, 2]


def test_invalid_weights():
    for bad in ([], [0, 0], [1, -1], [-2]):
        with pytest.raises(ValueError):
            allocate(100, bad)
    for bad in (0, -2):
        with pytest.raises(ValueError):
            split_evenly(100, bad)


def test_random_allocations_against_exact_reference():
    rng = random.Random(1618)
    for _ in range(600):
        weights = [rng.choice([0, 1, 2, 3, 7, 10, 99, 1000]) for _ in range(rng.randrange(1, 8))]
        if not any(weights):
            weights[0] = 1
        total = rng.choice([rng.randrange(-10**4, 10**4), rng.randrange(-10**20, 10**20)])
        parts = allocate(total, weights)
        assert parts == reference(total, weights), (total, weights)
        assert sum(parts) == total


def test_split_bill_keeps_names_and_order():
    result = split_bill(-1001, {"zoe": 1, "adam": 1, "mia": 2})
    assert list(result) == ["zoe", "adam", "mia"]
    assert result == {"zoe": -250, "adam": -250, "mia": -501}


def test_format_cents():
    assert format_cents(0) == "$0.00"
    assert format_cents(5) == "$0.05"
    assert format_cents(-5) == "-$0.05"
    assert format_cents(-123405) == "-$1,234.05"
    assert format_cents(-100) == "-$1.00"
    assert format_cents(10**11) == "$1,000,000,000.00"
