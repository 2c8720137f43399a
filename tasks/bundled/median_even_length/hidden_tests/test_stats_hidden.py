import pytest

from stats import mean, median, summary, value_range


def test_median_single_value():
    assert median([7]) == 7


def test_median_two_values():
    assert median([5, 7]) == 6
    assert median([7, 5]) == 6


def test_median_six_values_unsorted():
    assert median([10, 2, 8, 4, 6, 12]) == 7


def test_median_even_with_duplicates_and_negatives():
    assert median([-1, -1, 3, 3]) == 1
    assert median([-10, -4, -2, 0]) == -3


def test_median_even_floats():
    assert median([0.5, 1.5, 2.5, 3.5]) == pytest.approx(2.0)


def test_median_does_not_modify_input():
    values = [9, 3, 7, 1]
    assert median(values) == 5
    assert values == [9, 3, 7, 1]


def test_median_works_on_tuples():
    assert median((1, 2, 3, 4, 100, 200)) == 3.5


def test_empty_inputs_raise():
    for function in (mean, median, value_range, summary):
        with pytest.raises(ValueError):
            function([])


def test_summary_even_count():
    result = summary([8, 2, 6, 4])
    assert result["median"] == 5
    assert result["mean"] == 5
    assert result["range"] == 6
    assert result["count"] == 4
