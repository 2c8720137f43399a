import random

import pytest

from change import format_change, percent_change


def test_sign_follows_direction_for_random_values():
    rng = random.Random(55)
    for _ in range(1000):
        old = rng.uniform(-1000, 1000) or 1.0
        new = rng.uniform(-1000, 1000)
        change = percent_change(old, new)
        if new > old:
            assert change > 0, (old, new)
        elif new < old:
            assert change < 0, (old, new)
        assert change == pytest.approx((new - old) / abs(old) * 100)


def test_crossing_zero():
    assert percent_change(-20, 10) == 150.0
    assert percent_change(20, -10) == -150.0
    assert percent_change(-4, 0) == 100.0


def test_zero_base_even_as_float():
    with pytest.raises(ValueError):
        percent_change(0.0, -3)
    with pytest.raises(ValueError):
        format_change(0, 0)


def test_format_negative_bases():
    assert format_change(-50, -80) == "-60.0%"
    assert format_change(-8, -6, digits=2) == "+25.00%"


def test_format_tiny_changes_have_no_sign():
    assert format_change(1000, 1000.0001) == "0.0%"
    assert format_change(1000, 999.9999) == "0.0%"
    assert format_change(-1000, -1000.0001) == "0.0%"
    assert format_change(300, 301, digits=0) == "0%"
    assert format_change(300, 299, digits=0) == "0%"


def test_format_rounding_digits():
    assert format_change(3, 4) == "+33.3%"
    assert format_change(3, 4, digits=3) == "+33.333%"
    assert format_change(3, 2, digits=0) == "-33%"
    assert format_change(-3, -4, digits=2) == "-33.33%"
