from datetime import date
from decimal import Decimal

import pytest

from ledgerreport import EU, US, sniff
from ledgerreport.coerce import parse_amount, parse_date, parse_percent
from ledgerreport.formatting import amount, percent
from ledgerreport.grouping import group_by


@pytest.mark.parametrize(
    "text, expected",
    [("1,234.50", "1234.50"), ("(12.00)", "-12.00"), ("12.00-", "-12.00"), ("$ 1,249", "1249"), ("-0.5", "-0.5")],
)
def test_us_amounts(text, expected):
    assert parse_amount(text) == Decimal(expected)


def test_eu_amounts_with_eu_separators():
    assert parse_amount("1.234,50", decimal_sep=",", thousands_sep=".") == Decimal("1234.50")
    assert parse_amount("56,00-", decimal_sep=",", thousands_sep=".") == Decimal("-56.00")


def test_dates_and_percentages():
    assert parse_date("31.12.2024", EU.date_format) == date(2024, 12, 31)
    assert parse_percent("12,5%", ",") == Decimal("0.125")


def test_sniffing(samples):
    assert sniff(samples["eu_branches.csv"]) is EU
    assert sniff(samples["us_branches.csv"]) is US


def test_group_by_sorted_input(make_record):
    records = [make_record("A", "1"), make_record("A", "2"), make_record("B", "3")]
    groups = group_by(records, ("region",))
    assert {k: len(v) for k, v in groups.items()} == {("A",): 2, ("B",): 1}


def test_formatting():
    assert amount(Decimal("-1234.5")) == "(1,234.50)"
    assert percent(Decimal("0.1467")) == "14.7%"


def test_conditions_and_aggregates(make_record):
    from ledgerreport.aggregates import mean, median, total
    from ledgerreport.filters import where

    records = [make_record(amount=a, region=r) for a, r in (("100", "A"), ("250", "B"), ("40", "A"))]
    chosen = where(records, "amount>=100")
    assert [r["amount"] for r in chosen] == [Decimal(100), Decimal(250)]
    assert total(records, "amount") == Decimal(390)
    assert median(records, "amount") == Decimal(100)
    assert mean(chosen, "amount") == Decimal(175)


def test_percent_needs_a_sign():
    with pytest.raises(ValueError):
        parse_percent("12", ".")


def test_unknown_column_kind():
    from ledgerreport import Column

    with pytest.raises(ValueError, match="unknown kind"):
        Column("colour", "rgb")
