from dedupe import dedupe, dedupe_by


def test_keeps_first_occurrence_order():
    assert dedupe([3, 1, 3, 2, 1]) == [3, 1, 2]


def test_strings_and_empty():
    assert dedupe(["x", "y", "x"]) == ["x", "y"]
    assert dedupe([]) == []


def test_dedupe_by_key():
    assert dedupe_by(["b", "A", "a", "B"], str.lower) == ["b", "A"]


def test_thirty_thousand_distinct_items_are_fast():
    items = list(range(30_000)) * 2
    assert dedupe(items) == list(range(30_000))
