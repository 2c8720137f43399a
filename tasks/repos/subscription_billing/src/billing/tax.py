"""Sales tax and VAT by region. Rates are exclusive (added on top) unless the region's prices
include tax, in which case the tax is the part of the price that is tax."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from billing.money import Money

DEFAULT_RATES = {
    "US-CA": ("0.0725", False),
    "US-NY": ("0.04", False),
    "US-OR": ("0", False),
    "DE": ("0.19", True),
    "FR": ("0.20", True),
    "GB": ("0.20", True),
}


@dataclass(frozen=True)
class TaxRate:
    region: str
    rate: Decimal
    inclusive: bool = False

    @property
    def label(self) -> str:
        percent = (self.rate * 100).normalize()
        return f"{'VAT' if self.inclusive else 'Sales tax'} {self.region} {percent}%"


@dataclass
class TaxTable:
    rates: dict[str, TaxRate] = field(default_factory=dict)

    @classmethod
    def default(cls) -> TaxTable:
        return cls({region: TaxRate(region, Decimal(rate), inclusive) for region, (rate, inclusive) in DEFAULT_RATES.items()})

    def rate_for(self, region: str) -> TaxRate:
        try:
            return self.rates[region]
        except KeyError:
            raise KeyError(f"no tax rate for region {region!r}") from None

    def tax_on(self, net: Money, region: str) -> Money:
        """The tax on a net amount, rounded to the minor unit."""
        rate = self.rate_for(region)
        if rate.inclusive:
            # The amount already includes tax: tax = amount - amount / (1 + rate).
            return (net - net.times(1 / (1 + rate.rate))).rounded()
        return net.times(rate.rate).rounded()
