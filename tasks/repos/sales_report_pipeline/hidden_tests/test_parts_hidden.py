from datetime import date
from decimal import Decimal

import pytest

from ledgerreport import Column, US
from ledgerreport.aggregates import count_distinct, maximum, mean, median, minimum, share_of_total, total
from ledgerreport.coerce import parse_amount, parse_int, parse_percent, quarter_of
from ledgerreport.dialects import by_name
from ledgerreport.filters import between, parse_condition, where
from ledgerreport.formatting import amount, cell, percent
from ledgerreport.reader import ReadError, normalise_header, read_rows


@pytest.mark.parametrize(
    "text, dec, th, expected",
    [
        ("1.234,50", ",", ".", "1234.50"),
        ("(1.234,50)", ",", ".", "-1234.50"),
        ("12,00-", ",", ".", "-12.00"),
        ("€ 1.000.000,01", ",", ".", "1000000.01"),
        ("1,234.50", ".", ",", "1234.50"),
        ("(1,234.50)", ".", ",", "-1234.50"),
        ("1234.5", ".", "", "1234.5"),
    ],
)
def test_amounts(text, dec, th, expected):
    assert parse_amount(text, dec, th) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "1,23.00", "12,3456.00", "--5", "1.2.3"])
def test_bad_amounts(text):
    with pytest.raises(ValueError):
        parse_amount(text)


def test_ints_and_percent():
    assert parse_int("1_000") == 1000
    assert parse_percent("5%") == Decimal("0.05")
    with pytest.raises(ValueError):
        parse_percent("5")


def test_quarter():
    assert [quarter_of(date(2024, m, 1)) for m in (1, 3, 4, 12)] == ["2024-Q1", "2024-Q1", "2024-Q2", "2024-Q4"]


def test_headers():
    assert normalise_header(" Unit Price (EUR) ") == "unit_price_eur"
    assert normalise_header("Betrag") == "amount"


def test_read_rows_skips_comments_and_blank_lines():
    rows = read_rows("# c\nA,B\n\n1,2\n", US, "f.csv")
    assert rows == [{"a": "1", "b": "2", "_source": "f.csv", "_line": "4"}]


def test_read_rows_field_count():
    with pytest.raises(ReadError, match="f.csv:2"):
        read_rows("A,B\n1,2,3\n", US, "f.csv")


def test_read_rows_duplicate_header():
    with pytest.raises(ReadError, match="duplicate"):
        read_rows("A,a\n1,2\n", US)


def test_unknown_format():
    with pytest.raises(ValueError):
        by_name("martian")


def test_unknown_column_kind():
    with pytest.raises(ValueError):
        Column("x", "colour")


def test_aggregates(make_record):
    records = [make_record(amount=a) for a in ("1", "2", "3", "10")]
    assert total(records, "amount") == Decimal(16)
    assert mean(records, "amount") == Decimal(4)
    assert median(records, "amount") == Decimal("2.5")
    assert minimum(records, "amount") == Decimal(1) and maximum(records, "amount") == Decimal(10)
    assert count_distinct(records, "region") == 1
    assert mean([], "amount") is None and median([], "amount") is None


def test_share_of_zero_total(make_record):
    assert share_of_total({("a",): [make_record(amount="0")]}, "amount") == {("a",): Decimal(0)}


def test_filters(make_record):
    records = [make_record(amount="50"), make_record(amount="150", region="EU")]
    assert where(records, "amount>100") == [records[1]]
    assert where(records, "region=EU", "amount>=150") == [records[1]]
    assert where(records, "region!=EU") == [records[0]]
    with pytest.raises(ValueError):
        parse_condition("amount ~ 5")
    with pytest.raises(KeyError):
        where(records, "colour=red")


def test_between(make_record):
    records = [make_record(day=date(2024, 1, d)) for d in (1, 15, 31)]
    assert len(between(records, "date", date(2024, 1, 2), date(2024, 1, 31))) == 2


def test_formatting():
    assert amount(Decimal("0.005")) == "0.01"
    assert amount(Decimal("-5"), parentheses=False) == "-5.00"
    assert percent(None) == "-" and cell(None) == "-"
    assert cell(1234) == "1,234" and cell(True) == "yes"
