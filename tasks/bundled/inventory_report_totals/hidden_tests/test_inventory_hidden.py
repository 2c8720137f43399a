import pytest

from inventory import Item, format_cents, load_inventory, low_stock, parse_line, parse_price, summarize
from inventory.report import total_value_cents


def test_parse_price_exact_cents():
    cases = {"0.29": 29, "4.35": 435, "19.99": 1999, "12": 1200, "0.5": 50, "1.05": 105, "0": 0, "1.1": 110}
    for text, cents in cases.items():
        assert parse_price(text) == cents, text


def test_parse_price_many_values_exact():
    for cents in range(0, 5000, 7):
        text = f"{cents // 100}.{cents % 100:02d}"
        assert parse_price(text) == cents, text


def test_parse_line():
    assert parse_line("  ab9 , Blue Paint ,  7 , 4.35 ") == Item("AB9", "Blue Paint", 7, 435)


def test_parse_errors():
    for bad in ("A1, Widget, 3", "A1, Widget, x, 1.00", "A1, Widget, 2, abc", "A1, W, -1, 1.00", "A1, W, 1, -2"):
        with pytest.raises(ValueError):
            parse_line(bad)


def test_repeated_sku_sums_quantities_and_keeps_last_price():
    items = load_inventory("k1, Key, 2, 1.00\nK1, Key blank, 3, 1.25\nk1, Key blank, 5, 1.50\n")
    assert items == {"K1": Item("K1", "Key blank", 10, 150)}


def test_total_value_of_cheap_items():
    items = load_inventory("a, A, 3, 0.29\nb, B, 7, 19.99\nc, C, 1, 4.35\n")
    assert total_value_cents(items) == 3 * 29 + 7 * 1999 + 435


def test_format_cents_pads_small_remainders():
    assert format_cents(0) == "$0.00"
    assert format_cents(7) == "$0.07"
    assert format_cents(105) == "$1.05"
    assert format_cents(100000000) == "$1,000,000.00"


def test_low_stock_threshold_inclusive_after_merge():
    items = load_inventory("x, X, 3, 1\ny, Y, 5, 1\nz, Z, 6, 1\nx, X, 4, 1\n")
    assert low_stock(items) == ["Y"]
    assert low_stock(items, threshold=7) == ["X", "Y", "Z"]


def test_summary_full_report():
    listing = "\n".join(
        [
            "# weekly stock",
            "t1, Tape, 2, 3.05",
            "g7, Glue, 12, 0.99",
            "",
            "T1, Tape, 1, 3.05",
            "s2, Scissors, 4, 7.10",
        ]
    )
    expected = "items: 3\nunits: 19\nvalue: $49.43\nlow stock: S2, T1"
    assert summarize(listing) == expected


def test_empty_listing():
    assert summarize("") == "items: 0\nunits: 0\nvalue: $0.00\nlow stock: none"
