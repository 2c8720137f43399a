from stats import mean, median, summary


def test_mean():
    assert mean([1, 2, 3, 4]) == 2.5


def test_median_odd_count():
    assert median([3, 1, 2]) == 2


def test_median_even_count():
    assert median([4, 1, 3, 2]) == 2.5


def test_summary_of_odd_count():
    result = summary([5, 1, 9])
    assert result == {"count": 3, "mean": 5, "median": 5, "min": 1, "max": 9, "range": 8}
