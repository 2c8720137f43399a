"""Business rules on typed records: what a till should never have exported.

These are warnings for the finance team, not reading errors: the rows stay in the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

MAX_DISCOUNT = Decimal("0.5")
LARGE_SALE = Decimal("10000")


@dataclass(frozen=True)
class Warning_:
    source: str
    line: int
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.rule}: {self.detail}"


def _warn(record: dict, rule: str, detail: str) -> Warning_:
    return Warning_(record.get("_source", ""), int(record.get("_line", 0) or 0), rule, detail)


def check_record(record: dict) -> list[Warning_]:
    found = []
    quantity, amount, discount = record.get("quantity"), record.get("amount"), record.get("discount")
    if quantity is not None and quantity <= 0:
        found.append(_warn(record, "quantity", f"{quantity} items sold"))
    if discount is not None and discount > MAX_DISCOUNT:
        found.append(_warn(record, "discount", f"{discount * 100:.1f}% is above the {MAX_DISCOUNT * 100:.0f}% limit"))
    if amount is not None and amount >= LARGE_SALE:
        found.append(_warn(record, "large sale", f"{amount} in one line"))
    if amount is not None and quantity and amount < 0 and quantity > 0 and record.get("product") == "Gift card":
        found.append(_warn(record, "refund", "gift cards cannot be refunded"))
    return found


def check_all(records: list[dict]) -> list[Warning_]:
    return [w for record in records for w in check_record(record)]


def duplicates(records: list[dict], keys: tuple[str, ...] = ("date", "branch", "product", "amount")) -> list[tuple[dict, dict]]:
    """Pairs of records that look like the same sale exported twice."""
    seen: dict[tuple, dict] = {}
    pairs = []
    for record in records:
        key = tuple(record.get(k) for k in keys)
        if key in seen:
            pairs.append((seen[key], record))
        else:
            seen[key] = record
    return pairs
