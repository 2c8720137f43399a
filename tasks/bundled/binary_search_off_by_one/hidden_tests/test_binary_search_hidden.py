from binary_search import binary_search, contains


class CountingList(list):
    """A list that counts how often an element is read."""

    reads = 0

    def __getitem__(self, index):
        CountingList.reads += 1
        return super().__getitem__(index)


def test_single_element_found():
    assert binary_search([42], 42) == 0


def test_single_element_missing():
    assert binary_search([42], 7) == -1
    assert binary_search([42], 99) == -1


def test_two_elements_both_found():
    assert binary_search([10, 20], 10) == 0
    assert binary_search([10, 20], 20) == 1


def test_first_element():
    assert binary_search([1, 3, 5, 7, 9, 11], 1) == 0


def test_every_position_for_many_lengths():
    for length in range(0, 40):
        items = [2 * i for i in range(length)]
        for index, value in enumerate(items):
            assert binary_search(items, value) == index, (length, value)


def test_absent_values_for_many_lengths():
    for length in range(0, 40):
        items = [2 * i for i in range(length)]
        for value in range(-3, 2 * length + 3, 2):
            assert binary_search(items, value) == -1, (length, value)


def test_negative_numbers_and_strings():
    assert binary_search([-9, -4, -1, 0, 3], -9) == 0
    assert binary_search([-9, -4, -1, 0, 3], 3) == 4
    assert binary_search(["apple", "kiwi", "pear"], "pear") == 2


def test_duplicates_return_matching_index():
    items = [1, 2, 2, 2, 3, 3]
    for target in (1, 2, 3):
        assert items[binary_search(items, target)] == target


def test_contains_last_and_missing():
    assert contains([5, 6, 7], 7)
    assert not contains([5, 6, 7], 8)
    assert not contains([], 0)


def test_list_not_modified():
    items = [1, 4, 9, 16]
    binary_search(items, 16)
    assert items == [1, 4, 9, 16]


def test_logarithmic_number_of_reads():
    items = CountingList(range(1024))
    CountingList.reads = 0
    assert binary_search(items, 1023) == 1023
    assert binary_search(items, 5000) == -1
    assert CountingList.reads <= 30
