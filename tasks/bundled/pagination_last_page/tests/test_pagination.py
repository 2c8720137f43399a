import pytest

from pagination import get_page, page_count, page_label


def test_full_pages():
    assert page_count(40, 10) == 4
    assert get_page(list(range(40)), 2, 10) == list(range(10, 20))


def test_partial_last_page():
    items = list(range(1, 46))
    assert page_count(45, 10) == 5
    assert get_page(items, 5, 10) == [41, 42, 43, 44, 45]


def test_label():
    assert page_label(2, 45, 10) == "items 11-20 of 45"
    assert page_label(5, 45, 10) == "items 41-45 of 45"


def test_page_out_of_range():
    with pytest.raises(ValueError):
        get_page([1, 2, 3], 3, 2)
