"""Subscriptions: a plan, a seat count and the changes made to them over time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from billing import periods
from billing.discounts import Coupon
from billing.errors import InvalidChange
from billing.periods import BillingPeriod
from billing.plans import Plan


@dataclass(frozen=True)
class Change:
    """From `effective` on, the subscription is on `plan` with `seats` seats."""

    effective: date
    plan: Plan
    seats: int


@dataclass(frozen=True)
class Segment:
    """A stretch of one period billed at one plan and seat count."""

    start: date
    end: date  # exclusive
    plan: Plan
    seats: int

    @property
    def days(self) -> int:
        return (self.end - self.start).days


@dataclass
class Subscription:
    id: str
    customer: str
    plan: Plan
    anchor: date
    seats: int = 1
    region: str = "US-CA"
    coupon: Coupon | None = None
    cancelled_on: date | None = None
    changes: list[Change] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.seats < 1:
            raise InvalidChange(f"a subscription needs at least one seat, not {self.seats}")

    # -- periods -------------------------------------------------------------------------------

    @property
    def interval(self) -> periods.Interval:
        return self.plan.interval

    def period(self, index: int) -> BillingPeriod:
        return periods.period(self.anchor, self.interval, index)

    def period_on(self, day: date) -> BillingPeriod:
        return periods.period_on(self.anchor, self.interval, day)

    def renewal_dates(self, count: int) -> list[date]:
        """The start dates of the next `count` periods after the first."""
        return [self.period(i).start for i in range(1, count + 1)]

    def is_active_on(self, day: date) -> bool:
        return self.anchor <= day and (self.cancelled_on is None or day < self.cancelled_on)

    # -- changes -------------------------------------------------------------------------------

    def _check_change_date(self, on: date) -> None:
        if on < self.anchor:
            raise InvalidChange(f"{self.id}: a change on {on} precedes the start {self.anchor}")
        if self.cancelled_on is not None and on >= self.cancelled_on:
            raise InvalidChange(f"{self.id}: a change on {on} comes after the cancellation on {self.cancelled_on}")
        if self.changes and on < self.changes[-1].effective:
            raise InvalidChange(f"{self.id}: changes must be recorded in date order")

    def state_on(self, day: date) -> tuple[Plan, int]:
        plan, seats = self.plan, self.seats
        for change in self.changes:
            if change.effective <= day:
                plan, seats = change.plan, change.seats
        return plan, seats

    def change_seats(self, on: date, seats: int) -> None:
        if seats < 1:
            raise InvalidChange(f"{self.id}: at least one seat is needed, not {seats}")
        self._check_change_date(on)
        plan, _ = self.state_on(on)
        self.changes.append(Change(on, plan, seats))

    def change_plan(self, on: date, plan: Plan) -> None:
        if plan.interval is not self.interval:
            raise InvalidChange(f"{self.id}: cannot move from a {self.interval.value}ly to a {plan.interval.value}ly plan mid-term")
        if plan.price.currency != self.plan.price.currency:
            raise InvalidChange(f"{self.id}: cannot change currency from {self.plan.price.currency} to {plan.price.currency}")
        self._check_change_date(on)
        _, seats = self.state_on(on)
        self.changes.append(Change(on, plan, seats))

    def cancel(self, on: date) -> None:
        if on < self.anchor:
            raise InvalidChange(f"{self.id}: cannot cancel before the start {self.anchor}")
        if self.changes and on < self.changes[-1].effective:
            raise InvalidChange(f"{self.id}: cancellation on {on} precedes a recorded change")
        self.cancelled_on = on

    # -- what a period bills -------------------------------------------------------------------

    def segments(self, billing_period: BillingPeriod) -> list[Segment]:
        """The period cut at every change inside it, and stopped at the cancellation."""
        end = billing_period.end
        if self.cancelled_on is not None:
            end = min(end, self.cancelled_on)
        if end <= billing_period.start:
            return []
        cuts = [billing_period.start]
        cuts += [c.effective for c in self.changes if billing_period.start < c.effective < end]
        cuts.append(end)
        result = []
        for lo, hi in zip(cuts, cuts[1:]):
            if lo == hi:
                continue
            plan, seats = self.state_on(lo)
            if result and result[-1].plan == plan and result[-1].seats == seats:
                result[-1] = Segment(result[-1].start, hi, plan, seats)
            else:
                result.append(Segment(lo, hi, plan, seats))
        return result
