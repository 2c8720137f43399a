from datetime import date
from decimal import Decimal

import pytest

from billing import Coupon, Money, build_invoice, build_statement, render_invoice, render_statement
from billing.invoice import amount_due


def test_third_period_of_month_end_customer(subscribe):
    sub = subscribe(anchor=date(2024, 1, 31), seats=2)
    invoice = build_invoice(sub, 2)
    assert (invoice.period.start, invoice.period.end) == (date(2024, 3, 31), date(2024, 4, 30))
    assert invoice.total.amount == Decimal("62.00")


def test_upgrade_in_month_end_period(subscribe, catalog):
    sub = subscribe(anchor=date(2024, 1, 31))
    sub.change_plan(date(2024, 4, 15), catalog["team-monthly"])
    invoice = build_invoice(sub, 2)
    assert [line.amount.amount for line in invoice.charges] == [Decimal("15.50"), Decimal("31.00")]
    assert invoice.subtotal.amount == Decimal("46.50")


def test_seat_change_in_may_for_month_end_customer(subscribe):
    sub = subscribe(anchor=date(2024, 1, 31), seats=1)
    sub.change_seats(date(2024, 5, 15), 4)
    invoice = build_invoice(sub, 3)  # April 30 - May 30: 31 days
    assert [line.amount.amount for line in invoice.charges] == [Decimal("15.00"), Decimal("64.00")]


def test_cancellation_in_month_end_period(subscribe):
    sub = subscribe(anchor=date(2024, 1, 31))
    sub.cancel(date(2024, 4, 15))
    invoice = build_invoice(sub, 2)
    assert invoice.subtotal.amount == Decimal("15.50")
    assert build_invoice(sub, 3).lines == []


def test_statement_due_dates_keep_anchor_day(subscribe):
    sub = subscribe(anchor=date(2024, 1, 31))
    invoices = build_statement(sub, through=date(2024, 9, 1))
    assert [inv.due_on.day for inv in invoices] == [31, 29, 31, 30, 31, 30, 31, 31]


def test_statement_stops_at_cancellation(subscribe):
    sub = subscribe(anchor=date(2024, 1, 31))
    sub.cancel(date(2024, 3, 31))
    invoices = build_statement(sub, through=date(2024, 9, 1))
    assert [inv.number for inv in invoices] == ["sub-pro-monthly-0000", "sub-pro-monthly-0001"]


def test_statement_total_month_end(subscribe):
    sub = subscribe(anchor=date(2024, 1, 31), seats=3)
    invoices = build_statement(sub, through=date(2024, 12, 30))
    assert len(invoices) == 11
    assert amount_due(invoices).amount == Decimal("1023.00")


def test_yearly_leap_day_invoice(subscribe):
    sub = subscribe("pro-yearly", anchor=date(2024, 2, 29), seats=1)
    invoice = build_invoice(sub, 4)
    assert invoice.period.start == date(2028, 2, 29)
    assert invoice.total.amount == Decimal("348.00")


def test_quarterly_renewals_for_30th(subscribe):
    sub = subscribe("pro-quarterly", anchor=date(2023, 11, 30))
    assert sub.renewal_dates(4) == [date(2024, 2, 29), date(2024, 5, 30), date(2024, 8, 30), date(2024, 11, 30)]


def test_monthly_renewals_for_31st(subscribe):
    sub = subscribe(anchor=date(2024, 1, 31))
    assert sub.renewal_dates(3) == [date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)]


def test_rendered_third_invoice(subscribe):
    text = render_invoice(build_invoice(subscribe(anchor=date(2024, 1, 31)), 2))
    assert "Period:   2024-03-31 to 2024-04-29" in text
    assert "Due:      2024-03-31" in text


# -- behaviour that already works and must keep working ---------------------------------------


def test_full_period_with_tax(subscribe):
    invoice = build_invoice(subscribe(seats=2, region="US-CA"), 0)
    assert invoice.subtotal.amount == Decimal("62.00")
    assert invoice.tax.amount == Decimal("4.50")
    assert invoice.total.amount == Decimal("66.50")


def test_vat_is_included_not_added(subscribe):
    invoice = build_invoice(subscribe(seats=1, region="DE"), 0)
    assert invoice.total.amount == Decimal("31.00")
    assert invoice.tax.amount == Decimal("4.95")
    assert "(included)" in render_invoice(invoice)


def test_percent_coupon_for_two_periods(subscribe):
    sub = subscribe(seats=2, coupon=Coupon("HALF", percent_off=Decimal(50), periods=2))
    totals = [build_invoice(sub, i).total.amount for i in range(3)]
    assert totals == [Decimal("31.00"), Decimal("31.00"), Decimal("62.00")]


def test_amount_coupon_never_exceeds_subtotal(subscribe):
    sub = subscribe("starter-monthly", coupon=Coupon("BIG", amount_off=Money(Decimal("50.00"))))
    invoice = build_invoice(sub, 0)
    assert invoice.discount.amount == Decimal("9.00")
    assert invoice.total.amount == Decimal("0.00")


def test_minimum_seats_apply(subscribe):
    invoice = build_invoice(subscribe("enterprise-yearly", seats=3), 0)
    assert invoice.subtotal.amount == Decimal("12000.00")


def test_mid_month_seat_change(subscribe):
    sub = subscribe(anchor=date(2024, 4, 1), seats=2)
    sub.change_seats(date(2024, 4, 16), 5)
    invoice = build_invoice(sub, 0)
    assert [line.amount.amount for line in invoice.charges] == [Decimal("31.00"), Decimal("77.50")]


def test_mid_month_statement(subscribe):
    sub = subscribe(anchor=date(2024, 1, 15))
    invoices = build_statement(sub, through=date(2024, 4, 20))
    assert [inv.due_on for inv in invoices] == [date(2024, 1, 15), date(2024, 2, 15), date(2024, 3, 15), date(2024, 4, 15)]
    assert "Amount due" in render_statement(invoices)


def test_empty_statement_renders():
    assert render_statement([]) == "No invoices.\n"


@pytest.mark.parametrize("seats", [1, 2, 7])
def test_parts_of_a_changed_period_add_up(subscribe, seats):
    sub = subscribe(anchor=date(2024, 3, 10), seats=seats)
    sub.change_seats(date(2024, 3, 20), seats)
    invoice = build_invoice(sub, 0)
    assert len(invoice.charges) == 1
    assert invoice.subtotal.amount == Decimal(31 * seats)
