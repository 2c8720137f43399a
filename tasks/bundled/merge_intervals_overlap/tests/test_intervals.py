from intervals import merge, overlaps, total_length


def test_merge_sorted_overlapping():
    assert merge([(1, 3), (2, 6), (8, 10)]) == [(1, 6), (8, 10)]


def test_merge_contained_interval():
    assert merge([(1, 10), (2, 3)]) == [(1, 10)]


def test_merge_unsorted_input():
    assert merge([(8, 10), (1, 3), (2, 6)]) == [(1, 6), (8, 10)]


def test_total_length_counts_overlap_once():
    assert total_length([(1, 4), (2, 6)]) == 5


def test_overlaps():
    assert overlaps([(1, 2), (5, 7)], 6)
    assert not overlaps([(1, 2), (5, 7)], 3)
