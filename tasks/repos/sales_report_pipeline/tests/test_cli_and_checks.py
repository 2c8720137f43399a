from decimal import Decimal

from ledgerreport.cli import main
from ledgerreport.export import summary_rows
from ledgerreport.validate import check_record, duplicates


def test_cli_csv_for_one_branch_file(tmp_path, capsys, samples):
    path = tmp_path / "us.csv"
    path.write_text(samples["us_branches.csv"])
    assert main([str(path), "--by", "branch", "--agg", "count", "--where", "branch=Denver", "--csv"]) == 0
    assert capsys.readouterr().out == "branch,count\nDenver,3\n"


def test_cli_reports_a_missing_file(tmp_path, capsys):
    assert main([str(tmp_path / "nope.csv")]) == 2
    assert "nope.csv" in capsys.readouterr().err


def test_business_rules(make_record):
    record = make_record(amount="-5.00", product="Gift card", quantity=1, discount=Decimal("0.6"))
    assert [w.rule for w in check_record(record)] == ["discount", "refund"]


def test_duplicates(make_record):
    a, b, c = make_record(amount="1"), make_record(amount="1"), make_record(amount="2")
    assert duplicates([a, b, c]) == [(a, b)]


def test_summary_rows():
    rows = summary_rows({("A",): {"sum": Decimal("1.5"), "count": 2}}, ("region",))
    assert rows == [{"region": "A", "sum": "1.50", "count": 2}]
