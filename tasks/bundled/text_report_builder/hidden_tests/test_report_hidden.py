import pytest

from report import TextReport


def test_columns_widen_for_long_cells():
    report = TextReport()
    report.table(["id", "name", "city"], [[7, "Alexandra", "Oslo"], [1234, "Bo", "Rio de Janeiro"]])
    assert report.render().splitlines() == [
        "id    name       city",
        "----  ---------  --------------",
        "7     Alexandra  Oslo",
        "1234  Bo         Rio de Janeiro",
    ]


def test_header_wider_than_cells():
    report = TextReport()
    report.table(["quantity", "x"], [[1, 2]])
    assert report.render() == "quantity  x\n--------  -\n1         2\n"


def test_table_without_rows_and_empty_cells():
    report = TextReport()
    report.table(["a", "bb"], [])
    report.table(["k", "v"], [["", "value"], ["key", ""]])
    assert report.render().splitlines() == ["a  bb", "-  --", "k    v", "---  -----", "     value", "key"]


def test_bad_row_adds_nothing():
    report = TextReport()
    report.line("before")
    with pytest.raises(ValueError):
        report.table(["a", "b"], [[1, 2], [3]])
    assert report.render() == "before\n"
    assert report.line_count == 1


def test_render_twice_and_keep_adding():
    report = TextReport()
    report.line("one")
    assert report.render() == "one\n"
    assert report.render() == "one\n"
    report.line()
    report.heading("Two")
    assert report.render() == "one\n\nTwo\n===\n\n"
    assert report.line_count == 5


def test_rows_may_be_any_iterable():
    report = TextReport()
    report.table(("n", "square"), ((n, n * n) for n in (3, 10)))
    assert report.render() == "n   square\n--  ------\n3   9\n10  100\n"


def test_large_report_of_lines():
    report = TextReport()
    for number in range(150_000):
        report.line(f"{number:06d} processed")
    text = report.render()
    assert report.line_count == 150_000
    assert len(text) == 150_000 * 17
    assert text[-17:] == "149999 processed\n"


def test_large_table():
    rows = [[f"sku{n}", n % 97, "ok" if n % 3 else "check"] for n in range(30_000)]
    report = TextReport()
    report.heading("Inventory")
    report.table(["sku", "count", "status"], rows)
    lines = report.render().splitlines()
    assert len(lines) == 3 + 2 + 30_000
    assert lines[3] == "sku       count  status"
    assert lines[4] == "--------  -----  ------"
    assert lines[5] == "sku0      0      check"
    assert lines[-1] == "sku29999  26     ok"
