from decimal import Decimal

import pytest

from billing.errors import CurrencyMismatch
from billing.money import Money, allocate, total


def test_rounding_is_half_up():
    assert Money(Decimal("2.005")).rounded().amount == Decimal("2.01")
    assert Money(Decimal("-2.005")).rounded().amount == Decimal("-2.01")


def test_str_shows_thousands_and_currency():
    assert str(Money(Decimal("12000"))) == "12,000.00 USD"
    assert str(Money(Decimal("1234"), "JPY")) == "1,234 JPY"


def test_currencies_do_not_mix():
    with pytest.raises(CurrencyMismatch):
        Money(Decimal(1), "USD") + Money(Decimal(1), "EUR")


def test_total_of_nothing_is_zero():
    assert total([]) == Money.zero()


def test_allocate_keeps_every_cent():
    parts = allocate(Money(Decimal("100.00")), [1, 1, 1])
    assert [p.amount for p in parts] == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
