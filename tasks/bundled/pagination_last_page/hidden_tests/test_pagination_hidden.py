import pytest

from pagination import get_page, page_count, page_label


def test_page_count_for_many_sizes():
    for per_page in range(1, 12):
        for total in range(0, 60):
            pages = page_count(total, per_page)
            assert (pages - 1) * per_page < total <= pages * per_page or (total == 0 and pages == 0), (total, per_page)


def test_pages_cover_every_item_exactly_once():
    for per_page in (1, 3, 7, 10):
        for total in (0, 1, 6, 7, 8, 29, 30, 31):
            items = [f"r{n}" for n in range(total)]
            collected = []
            for page in range(1, page_count(total, per_page) + 1):
                chunk = get_page(items, page, per_page)
                assert 0 < len(chunk) <= per_page
                collected += chunk
            assert collected == items


def test_empty_list():
    assert page_count(0, 5) == 0
    assert get_page([], 1, 5) == []
    assert page_label(1, 0, 5) == "items 0-0 of 0"
    with pytest.raises(ValueError):
        get_page([], 2, 5)


def test_single_item_pages():
    assert page_count(3, 1) == 3
    assert get_page("abc", 3, 1) == ["c"]
    assert page_label(3, 3, 1) == "items 3-3 of 3"


def test_labels_never_pass_the_total():
    for per_page in (2, 5, 9):
        for total in range(1, 40):
            for page in range(1, page_count(total, per_page) + 1):
                label = page_label(page, total, per_page)
                first, last = map(int, label.split()[1].split("-"))
                assert 1 <= first <= last <= total, label
                assert last - first + 1 == len(get_page(list(range(total)), page, per_page))


def test_invalid_arguments():
    for bad_page in (0, -1, 4):
        with pytest.raises(ValueError):
            get_page(list(range(25)), bad_page, 10)
        with pytest.raises(ValueError):
            page_label(bad_page, 25, 10)
    for bad_size in (0, -5, 2.5):
        with pytest.raises(ValueError):
            page_count(10, bad_size)
    with pytest.raises(ValueError):
        page_count(-1, 10)
