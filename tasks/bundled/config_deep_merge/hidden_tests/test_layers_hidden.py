import copy
import random

from layers import DELETE, deep_merge, flatten, merge_layers


def test_inputs_are_not_modified():
    base = {"a": {"b": {"c": 1}}, "l": [1, [2]]}
    override = {"a": {"b": {"d": 2}, "e": DELETE}, "l": DELETE, "n": {"x": [3]}}
    base_before, override_before = copy.deepcopy(base), copy.deepcopy(override)
    merged = deep_merge(base, override)
    assert merged == {"a": {"b": {"c": 1, "d": 2}}, "n": {"x": [3]}}
    assert base == base_before
    assert override == override_before


def test_result_shares_nothing_with_base():
    base = {"untouched": {"deep": {"list": [1]}}, "items": [{"k": 1}]}
    merged = deep_merge(base, {"other": 1})
    merged["untouched"]["deep"]["list"].append(2)
    merged["items"][0]["k"] = 99
    assert base == {"untouched": {"deep": {"list": [1]}}, "items": [{"k": 1}]}


def test_result_shares_nothing_with_override():
    override = {"new": {"list": [1]}, "plain": [[1]]}
    merged = deep_merge({}, override)
    merged["new"]["list"].append(2)
    merged["plain"][0].append(2)
    assert override == {"new": {"list": [1]}, "plain": [[1]]}
    override["new"]["list"].append(3)
    assert merged["new"]["list"] == [1, 2]


def test_delete_markers_never_appear():
    merged = deep_merge({}, {"a": {"b": DELETE, "c": {"d": DELETE, "e": 1}}, "f": DELETE})
    assert merged == {"a": {"c": {"e": 1}}}
    merged = deep_merge({"a": 5}, {"a": {"x": DELETE}})
    assert merged == {"a": {}}


def test_type_changes_and_lists_replace():
    assert deep_merge({"a": {"b": 1}}, {"a": 3}) == {"a": 3}
    assert deep_merge({"a": 3}, {"a": {"b": 1}}) == {"a": {"b": 1}}
    assert deep_merge({"l": [1, 2]}, {"l": [3]}) == {"l": [3]}
    assert deep_merge({"n": None}, {"n": {"k": None}}) == {"n": {"k": None}}


def test_merge_layers():
    assert merge_layers() == {}
    defaults = {"log": {"level": "info", "file": "app.log"}, "workers": 4}
    site = {"log": {"level": "warning"}, "workers": 8}
    cli = {"log": {"file": DELETE}, "dry_run": True}
    assert merge_layers(defaults, site, cli) == {"log": {"level": "warning"}, "workers": 8, "dry_run": True}
    single = {"x": {"y": [1]}}
    merged = merge_layers(single)
    assert merged == single and merged is not single and merged["x"] is not single["x"]


def test_flatten_deep_and_custom_separator():
    config = {"a": {"b": {"c": {"d": 1}}, "e": 2}, "f": 3, "g": {}}
    assert flatten(config) == {"a.b.c.d": 1, "a.e": 2, "f": 3, "g": {}}
    assert flatten(config, sep="/") == {"a/b/c/d": 1, "a/e": 2, "f": 3, "g": {}}
    assert flatten({}) == {}


def test_random_merges_against_reference():
    rng = random.Random(7)

    def random_tree(depth):
        tree = {}
        for key in rng.sample("abcd", rng.randrange(0, 4)):
            roll = rng.random()
            if depth and roll < 0.4:
                tree[key] = random_tree(depth - 1)
            elif roll < 0.55:
                tree[key] = DELETE
            elif roll < 0.7:
                tree[key] = [rng.randrange(5)]
            else:
                tree[key] = rng.randrange(5)
        return tree

    def strip(tree):
        return {k: strip(v) if isinstance(v, dict) else v for k, v in tree.items() if v is not DELETE}

    def reference(base, override):
        result = copy.deepcopy(base)
        for key, value in override.items():
            if value is DELETE:
                result.pop(key, None)
            elif isinstance(value, dict):
                result[key] = reference(result[key] if isinstance(result.get(key), dict) else {}, value)
            else:
                result[key] = copy.deepcopy(value)
        return result

    for _ in range(300):
        base = strip(random_tree(3))
        override = random_tree(3)
        assert deep_merge(base, override) == reference(base, override), (base, override)
