import random

from dedupe import dedupe, dedupe_by


def reference(items, key=lambda item: item):
    result, keys = [], []
    for item in items:
        if key(item) not in keys:
            keys.append(key(item))
            result.append(item)
    return result


def test_matches_reference_on_random_small_inputs():
    rng = random.Random(606)
    for _ in range(300):
        items = [rng.randrange(12) for _ in range(rng.randrange(0, 30))]
        assert dedupe(items) == reference(items), items


def test_order_is_first_appearance_not_sorted():
    assert dedupe([9, 2, 9, 7, 2, 5, 7]) == [9, 2, 7, 5]
    assert dedupe(["pear", "apple", "pear", "fig"]) == ["pear", "apple", "fig"]


def test_accepts_generators_and_tuples():
    assert dedupe(n % 4 for n in range(10)) == [0, 1, 2, 3]
    assert dedupe([(1, 2), (2, 1), (1, 2)]) == [(1, 2), (2, 1)]


def test_input_not_modified():
    items = [1, 1, 2]
    assert dedupe(items) == [1, 2]
    assert items == [1, 1, 2]


def test_dedupe_by_keeps_first_item_unchanged():
    words = ["Kiwi", "apple", "KIWI", "Apple", "kiwi", "plum"]
    assert dedupe_by(words, str.lower) == ["Kiwi", "apple", "plum"]
    assert dedupe_by(range(10), lambda n: n % 3) == [0, 1, 2]
    assert dedupe_by([], len) == []


def test_dedupe_by_matches_reference_on_random_inputs():
    rng = random.Random(2024)
    for _ in range(200):
        items = [(rng.randrange(5), rng.randrange(5)) for _ in range(rng.randrange(0, 25))]
        assert dedupe_by(items, lambda pair: pair[1]) == reference(items, lambda pair: pair[1])


def test_large_input_with_many_distinct_values():
    # 7919 and 100_003 are coprime, so the first 100_003 values are all distinct
    # and every later value repeats one of them.
    items = [(n * 7_919) % 100_003 for n in range(200_000)]
    assert dedupe(items) == items[:100_003]


def test_large_input_by_key():
    records = [(n % 90_000, n) for n in range(180_000)]
    result = dedupe_by(records, lambda record: record[0])
    assert len(result) == 90_000
    assert result[0] == (0, 0) and result[-1] == (89_999, 89_999)
    assert result == records[:90_000]
