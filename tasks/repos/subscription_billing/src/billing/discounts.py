"""Coupons: a percentage or a fixed amount off, for some number of periods or forever."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from billing.money import Money


@dataclass(frozen=True)
class Coupon:
    code: str
    percent_off: Decimal | None = None
    amount_off: Money | None = None
    periods: int | None = None  # None: forever
    first_period: int = 0  # the subscription period the coupon was applied in

    def __post_init__(self) -> None:
        if (self.percent_off is None) == (self.amount_off is None):
            raise ValueError(f"coupon {self.code!r} needs exactly one of percent_off and amount_off")
        if self.percent_off is not None and not (0 < Decimal(self.percent_off) <= 100):
            raise ValueError(f"coupon {self.code!r}: percent_off must be in (0, 100]")
        if self.periods is not None and self.periods < 1:
            raise ValueError(f"coupon {self.code!r}: periods must be at least 1")

    def applies_to(self, period_index: int) -> bool:
        if period_index < self.first_period:
            return False
        return self.periods is None or period_index < self.first_period + self.periods

    def discount(self, subtotal: Money, period_index: int) -> Money:
        """The amount taken off (positive, never more than the subtotal)."""
        if not self.applies_to(period_index) or subtotal.amount <= 0:
            return Money.zero(subtotal.currency)
        if self.percent_off is not None:
            off = subtotal.times(Decimal(self.percent_off) / 100).rounded()
        else:
            off = self.amount_off
        return off if off.amount <= subtotal.amount else subtotal

    @property
    def label(self) -> str:
        what = f"{Decimal(self.percent_off).normalize()}% off" if self.percent_off is not None else f"{self.amount_off} off"
        how_long = "forever" if self.periods is None else f"for {self.periods} period{'s' if self.periods != 1 else ''}"
        return f"{self.code}: {what} {how_long}"
