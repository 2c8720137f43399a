"""Conditions on records: `amount>100`, `region=EU`, `product!=gift card`, `date>=2024-04-01`.

Operators: = != < <= > >=. The right-hand side is read as the kind of the left-hand column's
values (a Decimal for amounts, a date for dates, an int for integers).
"""

from __future__ import annotations

import operator
import re
from datetime import date
from decimal import Decimal, InvalidOperation

_CONDITION = re.compile(r"^\s*(?P<column>[a-z_][a-z0-9_]*)\s*(?P<op>!=|<=|>=|=|<|>)\s*(?P<value>.*?)\s*$")
_OPS = {"=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _typed_like(sample: object, text: str) -> object:
    try:
        if isinstance(sample, Decimal):
            return Decimal(text)
        if isinstance(sample, bool):
            return text.lower() in ("1", "true", "yes")
        if isinstance(sample, int):
            return int(text)
        if isinstance(sample, date):
            return date.fromisoformat(text)
    except (ValueError, InvalidOperation):
        raise ValueError(f"{text!r} cannot be compared with values like {sample!r}") from None
    return text


def parse_condition(text: str):
    match = _CONDITION.match(text)
    if not match:
        raise ValueError(f"cannot read the condition {text!r} (example: amount>100)")
    column, op, value = match["column"], _OPS[match["op"]], match["value"]

    def test(record: dict) -> bool:
        if column not in record:
            raise KeyError(f"no column {column!r} (columns: {', '.join(k for k in record if not k.startswith('_'))})")
        actual = record[column]
        if actual is None:
            return False
        return op(actual, _typed_like(actual, value))

    test.__doc__ = text
    return test


def where(records: list[dict], *conditions: str) -> list[dict]:
    tests = [parse_condition(c) for c in conditions]
    return [r for r in records if all(t(r) for t in tests)]


def between(records: list[dict], column: str, start: date, end: date) -> list[dict]:
    """Records whose `column` lies in [start, end]."""
    return [r for r in records if r.get(column) is not None and start <= r[column] <= end]
