from decimal import Decimal

from ledgerreport import ReportSpec, build_report, load_records
from ledgerreport.pipeline import summarise


def test_us_sample_reads_without_errors(samples):
    loaded = load_records({"us_branches.csv": samples["us_branches.csv"]})
    assert loaded.errors == []
    assert len(loaded.records) == 11


def test_eu_sample_amounts(samples):
    loaded = load_records({"eu_branches.csv": samples["eu_branches.csv"]})
    assert loaded.errors == []
    assert [r["amount"] for r in loaded.records][:3] == [Decimal("1149.00"), Decimal("185.50"), Decimal("179.00")]


def test_totals_by_region(samples):
    loaded = load_records(samples)
    totals = {key[0]: values["sum"] for key, values in summarise(loaded.records, ReportSpec(group_by=("region",))).items()}
    assert totals == {
        "EU-Central": Decimal("1549.50"),
        "EU-West": Decimal("1692.50"),
        "US-East": Decimal("3814.00"),
        "US-South": Decimal("2007.00"),
        "US-West": Decimal("1483.00"),
    }


def test_rendered_report_has_a_row_per_region(samples):
    text = build_report(samples, ReportSpec(group_by=("region",), aggregates=("sum", "count")))
    assert text.startswith("# Sales\n")
    assert "| US-East    | 3,814.00 |       5 |" in text
