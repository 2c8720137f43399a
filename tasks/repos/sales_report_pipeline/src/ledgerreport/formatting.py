"""Numbers for people: amounts with thousands separators and two decimals, negatives in
parentheses (the accountants' convention), percentages with one decimal."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def amount(value: Decimal | int | None, parentheses: bool = True) -> str:
    if value is None:
        return "-"
    rounded = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{abs(rounded):,.2f}"
    if rounded < 0:
        return f"({text})" if parentheses else f"-{text}"
    return text


def percent(value: Decimal | None) -> str:
    if value is None:
        return "-"
    return f"{(Decimal(value) * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def integer(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def cell(value: object) -> str:
    """Whatever an aggregate returned, as text."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return integer(value)
    if isinstance(value, Decimal):
        return amount(value)
    return str(value)
