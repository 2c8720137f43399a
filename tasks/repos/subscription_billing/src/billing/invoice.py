"""Invoices: what one subscription owes for one billing period."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from billing import periods
from billing.money import Money, total
from billing.periods import BillingPeriod
from billing.proration import describe_share, prorate
from billing.subscriptions import Subscription
from billing.tax import TaxTable


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    amount: Money
    kind: str = "charge"  # charge | discount | tax


@dataclass
class Invoice:
    number: str
    customer: str
    period: BillingPeriod
    lines: list[InvoiceLine] = field(default_factory=list)
    tax_inclusive: bool = False

    def _sum(self, kind: str) -> Money:
        return total((line.amount for line in self.lines if line.kind == kind), self.currency)

    @property
    def currency(self) -> str:
        return self.lines[0].amount.currency if self.lines else "USD"

    @property
    def subtotal(self) -> Money:
        return self._sum("charge")

    @property
    def discount(self) -> Money:
        return -self._sum("discount")

    @property
    def tax(self) -> Money:
        return self._sum("tax")

    @property
    def total(self) -> Money:
        net = self.subtotal - self.discount
        return net if self.tax_inclusive else net + self.tax

    @property
    def due_on(self) -> date:
        return self.period.start

    @property
    def charges(self) -> list[InvoiceLine]:
        return [line for line in self.lines if line.kind == "charge"]


def _seat_words(seats: int) -> str:
    return f"{seats} seat{'s' if seats != 1 else ''}"


def build_invoice(subscription: Subscription, period_index: int, tax_table: TaxTable | None = None) -> Invoice:
    """The invoice of one period: a line per stretch at one plan and seat count, then the
    coupon's discount and the tax."""
    table = tax_table or TaxTable.default()
    billing_period = subscription.period(period_index)
    rate = table.rate_for(subscription.region)
    invoice = Invoice(
        number=f"{subscription.id}-{period_index:04d}",
        customer=subscription.customer,
        period=billing_period,
        tax_inclusive=rate.inclusive,
    )
    for segment in subscription.segments(billing_period):
        full = segment.plan.charge(segment.seats)
        amount = prorate(full, billing_period, segment.start, segment.end).rounded()
        what = segment.plan.label
        if segment.plan.per_seat:
            what += f" x {_seat_words(segment.plan.billable_seats(segment.seats))}"
        stretch = BillingPeriod(billing_period.index, segment.start, segment.end)
        share = describe_share(billing_period, segment.start, segment.end)
        invoice.lines.append(InvoiceLine(f"{what}, {stretch} ({share})", amount))
    if not invoice.lines:
        return invoice
    coupon = subscription.coupon
    if coupon is not None:
        off = coupon.discount(invoice.subtotal, period_index)
        if not off.is_zero():
            invoice.lines.append(InvoiceLine(f"Coupon {coupon.label}", -off, "discount"))
    taxable = invoice.subtotal - invoice.discount
    invoice.lines.append(InvoiceLine(rate.label, table.tax_on(taxable, subscription.region), "tax"))
    return invoice


def build_statement(subscription: Subscription, through: date, tax_table: TaxTable | None = None) -> list[Invoice]:
    """Every invoice from the first period to the one containing `through`, stopping after
    the cancellation."""
    invoices = []
    for billing_period in periods.periods_between(subscription.anchor, subscription.interval, subscription.anchor, through + timedelta(days=1)):
        invoice = build_invoice(subscription, billing_period.index, tax_table)
        if not invoice.lines:
            break
        invoices.append(invoice)
    return invoices


def amount_due(invoices: list[Invoice]) -> Money:
    if not invoices:
        return Money.zero()
    return total((inv.total for inv in invoices), invoices[0].currency)
