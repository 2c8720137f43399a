from datetime import date
from decimal import Decimal

import pytest

from billing import Coupon, Money, UnknownPlan, load_catalog
from billing.errors import InvalidChange
from billing.money import allocate
from billing.periods import Interval, period
from billing.proration import describe_share, prorate, share, unused_credit
from billing.tax import TaxTable


def test_catalog_loads_every_plan():
    catalog = load_catalog()
    assert len(catalog) == 6
    assert {p.code for p in catalog.by_interval(Interval.YEAR)} == {"pro-yearly", "enterprise-yearly"}


def test_unknown_plan_names_the_code():
    with pytest.raises(UnknownPlan, match="gold"):
        load_catalog()["gold"]


def test_allocate_sums_exactly():
    parts = allocate(Money(Decimal("10.00")), [3, 3, 3])
    assert sum(p.amount for p in parts) == Decimal("10.00")


def test_allocate_rejects_zero_weights():
    with pytest.raises(ValueError):
        allocate(Money(Decimal("1")), [0, 0])


def test_share_of_half_a_thirty_day_period():
    p = period(date(2024, 4, 1), Interval.MONTH, 0)
    assert share(p, date(2024, 4, 16), date(2024, 5, 1)) == Decimal("0.5")


def test_share_outside_period_is_zero():
    p = period(date(2024, 4, 1), Interval.MONTH, 0)
    assert share(p, date(2024, 6, 1), date(2024, 6, 5)) == 0


def test_prorate_full_period_is_exact():
    p = period(date(2024, 4, 1), Interval.MONTH, 0)
    assert prorate(Money(Decimal("31")), p, p.start, p.end) == Money(Decimal("31"))


def test_unused_credit_is_negative():
    p = period(date(2024, 4, 1), Interval.MONTH, 0)
    assert unused_credit(Money(Decimal("30")), p, date(2024, 4, 21)).rounded().amount == Decimal("-10.00")


def test_describe_share():
    p = period(date(2024, 4, 1), Interval.MONTH, 0)
    assert describe_share(p, p.start, p.end) == "full period"
    assert describe_share(p, date(2024, 4, 21), p.end) == "10 of 30 days"


def test_coupon_needs_one_kind():
    with pytest.raises(ValueError):
        Coupon("BAD")
    with pytest.raises(ValueError):
        Coupon("BAD", percent_off=Decimal(10), amount_off=Money(Decimal(1)))


def test_coupon_label():
    assert Coupon("X", percent_off=Decimal("12.5"), periods=1).label == "X: 12.5% off for 1 period"


def test_unknown_tax_region():
    with pytest.raises(KeyError, match="XX"):
        TaxTable.default().rate_for("XX")


def test_changes_must_be_in_order(subscribe):
    sub = subscribe(anchor=date(2024, 1, 1))
    sub.change_seats(date(2024, 2, 1), 2)
    with pytest.raises(InvalidChange):
        sub.change_seats(date(2024, 1, 20), 3)


def test_no_change_after_cancellation(subscribe):
    sub = subscribe(anchor=date(2024, 1, 1))
    sub.cancel(date(2024, 2, 1))
    with pytest.raises(InvalidChange):
        sub.change_seats(date(2024, 2, 5), 3)


def test_state_on_follows_changes(subscribe, catalog):
    sub = subscribe(anchor=date(2024, 1, 1), seats=2)
    sub.change_plan(date(2024, 1, 10), catalog["team-monthly"])
    sub.change_seats(date(2024, 1, 20), 6)
    assert sub.state_on(date(2024, 1, 5)) == (catalog["pro-monthly"], 2)
    assert sub.state_on(date(2024, 1, 15)) == (catalog["team-monthly"], 2)
    assert sub.state_on(date(2024, 1, 25)) == (catalog["team-monthly"], 6)


def test_zero_seats_refused(subscribe):
    with pytest.raises(InvalidChange):
        subscribe(seats=0)
