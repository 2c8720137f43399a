"""Plans and the bundled catalog."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from billing.errors import UnknownPlan
from billing.money import Money
from billing.periods import Interval

CATALOG_PATH = Path(__file__).parent / "data" / "plans.json"


@dataclass(frozen=True)
class Plan:
    code: str
    name: str
    price: Money  # per period, per seat when per_seat
    interval: Interval
    per_seat: bool = True
    minimum_seats: int = 1

    def billable_seats(self, seats: int) -> int:
        if not self.per_seat:
            return 1
        return max(seats, self.minimum_seats)

    def charge(self, seats: int) -> Money:
        """The full-period charge for this many seats."""
        return self.price.times(self.billable_seats(seats))

    @property
    def label(self) -> str:
        return f"{self.name} ({self.interval.adjective})"


def plan_from_dict(raw: dict, currency: str = "USD") -> Plan:
    missing = {"code", "name", "price", "interval"} - raw.keys()
    if missing:
        raise ValueError(f"plan {raw.get('code', '?')!r} lacks {', '.join(sorted(missing))}")
    return Plan(
        code=raw["code"],
        name=raw["name"],
        price=Money(Decimal(str(raw["price"])), raw.get("currency", currency)),
        interval=Interval.parse(raw["interval"]),
        per_seat=bool(raw.get("per_seat", True)),
        minimum_seats=int(raw.get("minimum_seats", 1)),
    )


class Catalog:
    """Plans by code."""

    def __init__(self, plans: list[Plan]):
        self._plans = {}
        for plan in plans:
            if plan.code in self._plans:
                raise ValueError(f"duplicate plan code {plan.code!r}")
            self._plans[plan.code] = plan

    def __getitem__(self, code: str) -> Plan:
        try:
            return self._plans[code]
        except KeyError:
            raise UnknownPlan(code) from None

    def __contains__(self, code: object) -> bool:
        return code in self._plans

    def __iter__(self):
        return iter(self._plans.values())

    def __len__(self) -> int:
        return len(self._plans)

    def by_interval(self, interval: Interval) -> list[Plan]:
        return [p for p in self._plans.values() if p.interval is interval]


def load_catalog(path: Path | str | None = None) -> Catalog:
    raw = json.loads(Path(path or CATALOG_PATH).read_text(encoding="utf-8"))
    currency = raw.get("currency", "USD")
    return Catalog([plan_from_dict(p, currency) for p in raw["plans"]])
