"""Money as Decimal with a currency. Amounts are kept exact and rounded only where an invoice
shows them (half-up to the currency's minor unit, as accountants expect)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable

from billing.errors import CurrencyMismatch

MINOR_UNITS = {"USD": 2, "EUR": 2, "GBP": 2, "JPY": 0, "CHF": 2}


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-MINOR_UNITS.get(currency, 2))


def to_decimal(value: Decimal | int | str | float) -> Decimal:
    if isinstance(value, float):
        # Through str: Decimal(0.1) would carry the binary error into every total.
        return Decimal(str(value))
    return Decimal(value)


@dataclass(frozen=True, order=True)
class Money:
    amount: Decimal
    currency: str = "USD"

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", to_decimal(self.amount))
        if self.currency not in MINOR_UNITS:
            raise ValueError(f"unsupported currency {self.currency!r}")

    @classmethod
    def zero(cls, currency: str = "USD") -> Money:
        return cls(Decimal(0), currency)

    def _check(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(self.currency, other.currency)

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def times(self, factor: Decimal | int) -> Money:
        return Money(self.amount * to_decimal(factor), self.currency)

    def rounded(self) -> Money:
        return Money(self.amount.quantize(quantum(self.currency), rounding=ROUND_HALF_UP), self.currency)

    def is_zero(self) -> bool:
        return self.amount == 0

    def __str__(self) -> str:
        shown = self.rounded().amount
        sign = "-" if shown < 0 else ""
        return f"{sign}{abs(shown):,.{MINOR_UNITS[self.currency]}f} {self.currency}"


def total(amounts: Iterable[Money], currency: str = "USD") -> Money:
    result = Money.zero(currency)
    for amount in amounts:
        result = result + amount
    return result


def allocate(amount: Money, weights: list[Decimal | int]) -> list[Money]:
    """Split a rounded amount by weights so that the parts add up to it exactly.

    Each part is rounded down to the minor unit; the cents left over go, one by one, to the parts
    that lost the most to rounding (ties to the earlier part).
    """
    if not weights or any(to_decimal(w) < 0 for w in weights):
        raise ValueError("weights must be a non-empty list of non-negative numbers")
    weight_sum = sum(to_decimal(w) for w in weights)
    if weight_sum == 0:
        raise ValueError("weights must not all be zero")
    unit = quantum(amount.currency)
    whole = amount.rounded().amount
    exact = [whole * to_decimal(w) / weight_sum for w in weights]
    floored = [(e / unit).to_integral_value(rounding="ROUND_FLOOR") * unit for e in exact]
    leftover = int((whole - sum(floored)) / unit)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floored[i]), i))
    for i in order[:leftover]:
        floored[i] += unit
    return [Money(part, amount.currency) for part in floored]
