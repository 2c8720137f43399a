from datetime import date
from decimal import Decimal

from billing import build_invoice, build_statement, render_invoice


def test_full_month_invoice(subscribe):
    invoice = build_invoice(subscribe(seats=3), 0)
    assert invoice.subtotal.amount == Decimal("93.00")
    assert invoice.total.amount == Decimal("93.00")  # Oregon has no sales tax


def test_sales_tax_is_added(subscribe):
    invoice = build_invoice(subscribe(seats=1, region="US-CA"), 0)
    assert invoice.tax.amount == Decimal("2.25")
    assert invoice.total.amount == Decimal("33.25")


def test_month_end_customer_third_invoice(subscribe):
    # Signed up on January 31st: the third period is March 31st to April 29th.
    sub = subscribe(anchor=date(2024, 1, 31), seats=2)
    invoice = build_invoice(sub, 2)
    assert str(invoice.period) == "2024-03-31 to 2024-04-29"
    assert invoice.total.amount == Decimal("62.00")


def test_month_end_customer_upgrade_is_prorated_by_days(subscribe, catalog):
    sub = subscribe(anchor=date(2024, 1, 31), seats=1)
    sub.change_plan(date(2024, 4, 15), catalog["team-monthly"])
    invoice = build_invoice(sub, 2)
    # March 31 - April 29 is 30 days: 15 at 31.00, 15 at 62.00
    assert [line.amount.amount for line in invoice.charges] == [Decimal("15.50"), Decimal("31.00")]


def test_statement_through_summer(subscribe):
    sub = subscribe(anchor=date(2024, 1, 31))
    invoices = build_statement(sub, through=date(2024, 6, 29))
    assert [inv.due_on for inv in invoices] == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
        date(2024, 5, 31),
    ]


def test_rendered_invoice_names_the_period(subscribe):
    text = render_invoice(build_invoice(subscribe(), 1))
    assert "Period:   2024-02-15 to 2024-03-14" in text
    assert "TOTAL" in text
