from flatten import flatten, nesting_depth


def test_flatten_fully():
    assert flatten([1, [2, (3, [4])]]) == [1, 2, 3, 4]


def test_strings_are_not_split():
    assert flatten(["ab", ["cd"]]) == ["ab", "cd"]


def test_flatten_one_level():
    assert flatten([1, [2, [3, [4]]]], depth=1) == [1, 2, [3, [4]]]


def test_dicts_are_kept_whole():
    assert flatten([{"a": 1}, [{"b": 2}]]) == [{"a": 1}, {"b": 2}]


def test_nesting_depth():
    assert nesting_depth([1, [2, [3]]]) == 3
