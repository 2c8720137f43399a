import random

import pytest

from lru_cache import LRUCache


def test_update_existing_key_in_full_cache_keeps_everything():
    cache = LRUCache(3)
    for key, value in [("a", 1), ("b", 2), ("c", 3)]:
        cache.put(key, value)
    cache.put("b", 20)
    assert len(cache) == 3
    assert cache.keys() == ["a", "c", "b"]
    assert cache.get("b") == 20
    assert cache.get("a") == 1


def test_update_least_recent_key_in_full_cache():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 10)
    assert cache.keys() == ["b", "a"]
    assert cache.get("a") == 10


def test_get_moves_key_to_most_recent():
    cache = LRUCache(3)
    for key in "xyz":
        cache.put(key, key.upper())
    assert cache.get("x") == "X"
    assert cache.keys() == ["y", "z", "x"]


def test_missing_get_changes_nothing():
    cache = LRUCache(2)
    cache.put(1, "one")
    cache.put(2, "two")
    assert cache.get(3) is None
    assert cache.keys() == [1, 2]


def test_contains_and_len_do_not_count_as_use():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert "a" in cache
    assert len(cache) == 2
    cache.put("c", 3)
    assert cache.keys() == ["b", "c"]


def test_capacity_one():
    cache = LRUCache(1)
    cache.put("a", 1)
    cache.put("a", 2)
    assert cache.get("a") == 2
    cache.put("b", 3)
    assert cache.keys() == ["b"]
    assert cache.get("a") is None


def test_falsy_values_are_stored():
    cache = LRUCache(2)
    cache.put("zero", 0)
    cache.put("none", None)
    assert cache.get("zero", "missing") == 0
    assert cache.get("none", "missing") is None
    assert cache.keys() == ["zero", "none"]


def test_invalid_capacities():
    for bad in (-1, 0, 1.5, "3"):
        with pytest.raises(ValueError):
            LRUCache(bad)


def test_matches_reference_model_on_random_operations():
    rng = random.Random(1234)
    cache = LRUCache(4)
    model: list[tuple[int, int]] = []
    for step in range(2000):
        key = rng.randrange(8)
        if rng.random() < 0.5:
            value = step
            model = [(k, v) for k, v in model if k != key]
            if len(model) >= 4:
                model.pop(0)
            model.append((key, value))
            cache.put(key, value)
        else:
            found = [v for k, v in model if k == key]
            if found:
                model = [(k, v) for k, v in model if k != key] + [(key, found[0])]
            assert cache.get(key) == (found[0] if found else None), step
        assert cache.keys() == [k for k, _ in model], step
