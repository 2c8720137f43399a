from datetime import date
from decimal import Decimal

import pytest

from ledgerreport import EU, ReportSpec, build_report, load_records
from ledgerreport.grouping import group_by
from ledgerreport.pipeline import summarise
from ledgerreport.pivot import pivot


def _sums(records, keys):
    return {key: values["sum"] for key, values in summarise(records, ReportSpec(group_by=keys)).items()}


def test_eu_sample_reads_every_row(samples):
    loaded = load_records({"eu": samples["eu_branches.csv"]})
    assert loaded.errors == []
    assert len(loaded.records) == 7


def test_eu_amounts(samples):
    loaded = load_records({"eu": samples["eu_branches.csv"]})
    assert [r["amount"] for r in loaded.records] == [Decimal(x) for x in ["1149.00", "185.50", "179.00", "358.00", "277.50", "1149.00", "-56.00"]]


def test_eu_amounts_with_explicit_format(samples):
    loaded = load_records({"eu": samples["eu_branches.csv"]}, formats={"eu": "eu"})
    assert sum(r["amount"] for r in loaded.records) == Decimal("3242.00")


def test_eu_discount_still_read(samples):
    loaded = load_records({"eu": samples["eu_branches.csv"]})
    assert [r["discount"] for r in loaded.records if r["discount"]] == [Decimal("0.125")]


def test_region_totals(samples):
    records = load_records(samples).records
    assert _sums(records, ("region",)) == {
        ("EU-Central",): Decimal("1549.50"),
        ("EU-West",): Decimal("1692.50"),
        ("US-East",): Decimal("3814.00"),
        ("US-South",): Decimal("2007.00"),
        ("US-West",): Decimal("1483.00"),
    }


def test_us_region_totals_unsorted_rows(samples):
    records = load_records({"us": samples["us_branches.csv"]}).records
    assert _sums(records, ("region",)) == {("US-East",): Decimal("3814.00"), ("US-South",): Decimal("2007.00"), ("US-West",): Decimal("1483.00")}


def test_group_by_unsorted_keeps_every_record(make_record):
    records = [make_record("B", "1"), make_record("A", "2"), make_record("B", "3"), make_record("A", "4")]
    groups = group_by(records, ("region",))
    assert list(groups) == [("A",), ("B",)]
    assert [[r["amount"] for r in members] for members in groups.values()] == [[Decimal(2), Decimal(4)], [Decimal(1), Decimal(3)]]


def test_group_by_two_keys_unsorted(make_record):
    records = [make_record("A", "1", branch="x"), make_record("B", "1", branch="x"), make_record("A", "1", branch="x")]
    assert {k: len(v) for k, v in group_by(records, ("region", "branch")).items()} == {("A", "x"): 2, ("B", "x"): 1}


def test_group_count_matches_record_count(samples):
    records = load_records(samples).records
    groups = group_by(records, ("branch",))
    assert sum(len(v) for v in groups.values()) == len(records) == 18


def test_branch_means_over_100(samples):
    records = load_records(samples).records
    spec = ReportSpec(group_by=("branch",), aggregates=("sum", "mean"), conditions=("amount>100",))
    text = build_report(samples, spec)
    assert "| Berlin   | 1,605.50 |   535.17 |" in text
    assert "| Boston   | 3,963.00 | 1,321.00 |" in text
    assert len(records) == 18


def test_pivot_region_by_quarter(samples):
    table = pivot(load_records(samples).records, "region", "quarter", "amount")
    assert table.cell("EU-Central", "2024-Q1") == Decimal("1328.00")
    assert table.cell("US-East", "2024-Q2") == Decimal("2548.00")
    assert table.row_totals["US-West"] == Decimal("1483.00")
    assert table.column_totals["2024-Q1"] == Decimal("5144.50")
    assert table.grand_total == Decimal("10546.00")


def test_pivot_rendered(samples):
    text = build_report(samples, ReportSpec(group_by=("region",), pivot_on="quarter"))
    assert "| total      |  5,144.50 |  5,401.50 | 10,546.00 |" in text


def test_shares_sum_to_one(samples):
    text = build_report(samples, ReportSpec(group_by=("region",), with_share=True))
    assert "36.2%" in text and "14.7%" in text


def test_product_medians(samples):
    text = build_report(samples, ReportSpec(group_by=("product",), aggregates=("sum", "median", "distinct")))
    assert "| Grinder          |   736.00 |   268.50 |          4 |" in text
    summary = summarise(load_records(samples).records, ReportSpec(group_by=("product",), aggregates=("median",)))
    assert summary[("Grinder",)]["median"] == Decimal("268.50")
    assert summary[("Milk jug",)]["median"] == Decimal("17.00")


def test_no_rows_left_out(samples):
    assert "left out" not in build_report(samples)


# -- unchanged behaviour ---------------------------------------------------------------------


def test_errors_are_reported_not_fatal():
    text = "Date,Branch,Region,Product,Quantity,Amount\n01/02/2024,X,R,P,1,abc\n01/03/2024,X,R,P,1,5.00\n"
    loaded = load_records({"bad.csv": text})
    assert len(loaded.records) == 1
    assert str(loaded.errors[0]) == "bad.csv:2: amount: 'abc' is not an amount"


def test_missing_column():
    loaded = load_records({"m.csv": "Date,Branch\n01/02/2024,X\n"})
    assert loaded.records == [] and {e.column for e in loaded.errors} >= {"region", "amount"}


def test_sorted_input_groups(make_record):
    records = [make_record("A", "1"), make_record("A", "2"), make_record("B", "3")]
    assert _sums(records, ("region",)) == {("A",): Decimal(3), ("B",): Decimal(3)}


def test_no_keys_is_one_group(make_record):
    assert group_by([make_record(), make_record()], ()) == {(): [make_record(), make_record()]}


def test_unknown_group_column(make_record):
    with pytest.raises(KeyError, match="colour"):
        group_by([make_record()], ("colour",))


def test_quarter_and_month_derived():
    loaded = load_records({"u.csv": "Date,Branch,Region,Product,Quantity,Amount\n11/30/2024,X,R,P,1,5.00\n"})
    assert loaded.records[0]["quarter"] == "2024-Q4" and loaded.records[0]["month"] == "2024-11"


def test_unknown_aggregate(samples):
    with pytest.raises(ValueError, match="unknown aggregate"):
        build_report(samples, ReportSpec(aggregates=("mode",)))


def test_iso_file():
    loaded = load_records({"i.csv": "date,branch,region,product,quantity,amount\n2024-03-01,X,R,P,2,1234.5\n"})
    assert loaded.records[0]["amount"] == Decimal("1234.5") and loaded.records[0]["date"] == date(2024, 3, 1)


def test_explicit_format_wins_over_sniffing():
    # A comma-separated file with EU dates would be sniffed as EU; told it is ISO, it reads as ISO.
    text = "date,branch,region,product,quantity,amount\n2024-02-01,X,R,P,1,3.50\n"
    loaded = load_records({"odd.csv": text}, formats={"odd.csv": "iso"})
    assert loaded.errors == [] and loaded.records[0]["amount"] == Decimal("3.50")
    assert EU.delimiter == ";"
