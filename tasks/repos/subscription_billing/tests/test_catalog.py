from decimal import Decimal

import pytest

from billing import UnknownPlan
from billing.periods import Interval


def test_catalog_plans(catalog):
    assert len(catalog) == 6
    assert catalog["pro-monthly"].price.amount == Decimal("31.00")
    assert [p.code for p in catalog.by_interval(Interval.QUARTER)] == ["pro-quarterly"]


def test_unknown_plan(catalog):
    with pytest.raises(UnknownPlan, match="'gold'"):
        catalog["gold"]


def test_seat_minimum(catalog):
    enterprise = catalog["enterprise-yearly"]
    assert enterprise.billable_seats(3) == 1 and enterprise.charge(3).amount == Decimal("12000.00")  # a flat fee
    assert catalog["pro-yearly"].charge(4).amount == Decimal("1392.00")
