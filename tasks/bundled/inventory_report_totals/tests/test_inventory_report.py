from inventory import format_cents
from inventory.report import summarize


def test_summary_of_simple_listing():
    listing = "A1, Widget, 3, 2.50\nB2, Gadget, 10, 1.00\n"
    assert summarize(listing) == "items: 2\nunits: 13\nvalue: $17.50\nlow stock: A1"


def test_comments_and_blank_lines_are_ignored():
    listing = "# sku, name, qty, price\n\nc3, Bolt, 100, 0.10\n"
    assert summarize(listing) == "items: 1\nunits: 100\nvalue: $10.00\nlow stock: none"


def test_value_of_cheap_items():
    listing = "S1, Sticker, 10, 0.29\n"
    assert summarize(listing).splitlines()[2] == "value: $2.90"


def test_repeated_sku_is_one_item():
    listing = "N1, Nail, 40, 0.05\nP1, Pin, 9, 0.02\nN1, Nail, 60, 0.05\n"
    report = summarize(listing).splitlines()
    assert report[0] == "items: 2"
    assert report[1] == "units: 109"


def test_format_large_amount():
    assert format_cents(123456) == "$1,234.56"
