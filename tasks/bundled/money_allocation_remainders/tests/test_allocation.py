from allocation import allocate, format_cents, split_bill, split_evenly


def test_three_way_split():
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]


def test_uneven_weights():
    assert allocate(1000, [1, 3]) == [250, 750]
    assert allocate(5, [3, 7]) == [2, 3]


def test_refund_mirrors_charge():
    assert allocate(-100, [1, 1, 1]) == [-34, -33, -33]


def test_split_bill():
    assert split_bill(1000, {"ann": 2, "bob": 1, "cy": 1}) == {"ann": 500, "bob": 250, "cy": 250}
    assert split_evenly(10, 4) == [3, 3, 2, 2]


def test_format():
    assert format_cents(123405) == "$1,234.05"
