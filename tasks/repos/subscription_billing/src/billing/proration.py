"""Proration: what part of a period's price a stretch of days is worth.

A stretch is billed by the share of the period's days it covers, so the parts of a period add up
to the full price whatever the month's length.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from billing.money import Money
from billing.periods import BillingPeriod


def share(billing_period: BillingPeriod, start: date, end: date) -> Decimal:
    """The fraction of the period that [start, end) covers (0 when it lies outside)."""
    covered = billing_period.overlap(start, end)
    if covered is None:
        return Decimal(0)
    lo, hi = covered
    return Decimal((hi - lo).days) / Decimal(billing_period.days)


def prorate(full_charge: Money, billing_period: BillingPeriod, start: date, end: date) -> Money:
    """The full-period charge scaled to [start, end); exact, not rounded."""
    fraction = share(billing_period, start, end)
    if fraction == 1:
        return full_charge
    return full_charge.times(fraction)


def unused_credit(paid: Money, billing_period: BillingPeriod, from_day: date) -> Money:
    """The credit owed for a prepaid period left on `from_day` (negative: it reduces a bill)."""
    return -prorate(paid, billing_period, from_day, billing_period.end)


def describe_share(billing_period: BillingPeriod, start: date, end: date) -> str:
    covered = billing_period.overlap(start, end)
    if covered is None:
        return "0 days"
    days = (covered[1] - covered[0]).days
    if days == billing_period.days:
        return "full period"
    return f"{days} of {billing_period.days} days"
