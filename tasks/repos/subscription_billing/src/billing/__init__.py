"""Recurring subscription billing."""

from billing.discounts import Coupon
from billing.errors import BillingError, UnknownPlan, InvalidChange
from billing.invoice import Invoice, InvoiceLine, build_invoice, build_statement
from billing.money import Money
from billing.periods import BillingPeriod, Interval
from billing.plans import Plan, load_catalog
from billing.render import render_invoice, render_statement
from billing.subscriptions import Subscription
from billing.tax import TaxTable

__all__ = [
    "BillingError",
    "BillingPeriod",
    "Coupon",
    "Interval",
    "InvalidChange",
    "Invoice",
    "InvoiceLine",
    "Money",
    "Plan",
    "Subscription",
    "TaxTable",
    "UnknownPlan",
    "build_invoice",
    "build_statement",
    "load_catalog",
    "render_invoice",
    "render_statement",
]
__version__ = "0.7.2"
