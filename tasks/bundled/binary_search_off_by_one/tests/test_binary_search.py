from binary_search import binary_search, contains


def test_finds_middle_element():
    assert binary_search([1, 3, 5, 7, 9], 5) == 2


def test_finds_last_element():
    assert binary_search([1, 3, 5, 7, 9], 9) == 4


def test_missing_value_returns_minus_one():
    assert binary_search([1, 3, 5, 7, 9], 4) == -1


def test_empty_list():
    assert binary_search([], 1) == -1


def test_contains():
    assert contains([2, 4, 6, 8], 6)
    assert not contains([2, 4, 6, 8], 5)
