from report import TextReport


def test_heading_and_lines():
    report = TextReport()
    report.heading("Summary")
    report.line("all good")
    assert report.render() == "Summary\n=======\n\nall good\n"
    assert report.line_count == 4


def test_table_from_the_description():
    report = TextReport()
    report.heading("Stock")
    report.table(["item", "qty"], [["apple", 3], ["kiwi", 12]])
    assert report.render() == "Stock\n=====\n\nitem   qty\n-----  ---\napple  3\nkiwi   12\n"


def test_empty_report():
    assert TextReport().render() == ""


def test_report_with_sixty_thousand_lines_is_fast():
    report = TextReport()
    for number in range(60_000):
        report.line(f"event {number:05d}: ok")
    text = report.render()
    assert text.count("\n") == 60_000
    assert text.endswith("event 59999: ok\n")
