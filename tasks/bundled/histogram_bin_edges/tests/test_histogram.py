import pytest

from histogram import bin_edges, bin_index, histogram


def test_edges():
    assert bin_edges(0, 10, 5) == [0, 2, 4, 6, 8, 10]


def test_index_inside():
    assert bin_index(3.5, 0, 10, 5) == 1


def test_maximum_goes_in_last_bin():
    assert bin_index(10, 0, 10, 5) == 4
    assert histogram([0, 1, 9, 10], 0, 10, 5) == [2, 0, 0, 0, 2]


def test_value_just_below_range_is_outside():
    with pytest.raises(ValueError):
        bin_index(-0.5, 0, 10, 5)


def test_invalid_range():
    with pytest.raises(ValueError):
        histogram([1], 5, 5, 3)
