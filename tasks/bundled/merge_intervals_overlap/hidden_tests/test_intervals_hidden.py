from intervals import merge, overlaps, total_length


def test_empty_and_single():
    assert merge([]) == []
    assert merge([(4, 9)]) == [(4, 9)]


def test_touching_intervals_merge():
    assert merge([(1, 3), (3, 5)]) == [(1, 5)]


def test_disjoint_unsorted_are_sorted():
    assert merge([(7, 8), (-3, -1), (2, 4)]) == [(-3, -1), (2, 4), (7, 8)]


def test_chain_with_contained_middle():
    assert merge([(1, 20), (2, 5), (6, 7), (19, 25)]) == [(1, 25)]


def test_later_interval_inside_earlier_keeps_end():
    assert merge([(0, 100), (10, 20), (30, 40)]) == [(0, 100)]


def test_same_start_different_ends():
    assert merge([(1, 2), (1, 9), (1, 4)]) == [(1, 9)]


def test_lists_accepted_and_input_unchanged():
    data = [[5, 6], [1, 2], [2, 3]]
    assert merge(data) == [(1, 3), (5, 6)]
    assert data == [[5, 6], [1, 2], [2, 3]]


def test_float_and_zero_length_intervals():
    assert merge([(2.5, 2.5), (0.5, 1.5), (1.5, 2.0)]) == [(0.5, 2.0), (2.5, 2.5)]


def test_total_length_contained_and_unsorted():
    assert total_length([(10, 12), (0, 10), (3, 4)]) == 12
    assert total_length([]) == 0


def test_overlaps_inside_long_interval():
    assert overlaps([(0, 50), (5, 6)], 30)
    assert overlaps([(9, 10), (0, 1)], 0.5)
