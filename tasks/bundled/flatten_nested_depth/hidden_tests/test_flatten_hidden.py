import pytest

from flatten import flatten, nesting_depth


def test_flatten_two_levels():
    assert flatten([1, [2, [3, [4]]]], depth=2) == [1, 2, 3, [4]]


def test_depth_zero_is_shallow_copy():
    data = (1, [2, 3])
    result = flatten(data, depth=0)
    assert result == [1, [2, 3]]
    assert isinstance(result, list)
    assert result[1] is data[1]


def test_depth_larger_than_nesting():
    assert flatten([[[[1]]], 2], depth=10) == [1, 2]


def test_unexpanded_tuple_kept_as_tuple():
    assert flatten([(1, (2, 3))], depth=1) == [1, (2, 3)]


def test_bytes_sets_and_ranges_are_atoms():
    assert flatten([b"xy", [{1}, range(2)]]) == [b"xy", {1}, range(2)]


def test_none_and_empty_lists():
    assert flatten([None, [], [[]], [None]]) == [None, None]


def test_negative_depth_raises():
    with pytest.raises(ValueError):
        flatten([1], depth=-1)


def test_input_not_modified():
    data = [1, [2, [3]]]
    flatten(data)
    flatten(data, depth=1)
    assert data == [1, [2, [3]]]


def test_deep_nesting_depth_limited_per_branch():
    data = [[1, [2]], [[3, [4]]], 5]
    assert flatten(data, depth=1) == [1, [2], [3, [4]], 5]
    assert flatten(data, depth=2) == [1, 2, 3, [4], 5]


def test_nesting_depth_of_flat_and_empty():
    assert nesting_depth([]) == 1
    assert nesting_depth([1, "abc", {"k": [1]}]) == 1
    assert nesting_depth([(1,), [[2]]]) == 3
