"""Strings from the exports -> typed values. Every function raises ValueError with the text it
could not read."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

CURRENCY_SYMBOLS = "$€£"


def parse_amount(text: str, decimal_sep: str = ".", thousands_sep: str = ",") -> Decimal:
    """'1,234.50', '-12.00', '12.00-', '(12.00)', '$ 1,234' -> Decimal. The separators are the
    file format's: an EU export passes decimal_sep=',' and thousands_sep='.'."""
    s = text.strip()
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    if s.endswith("-"):
        negative, s = True, s[:-1].strip()
    if s.startswith("-"):
        negative, s = not negative, s[1:].strip()
    s = s.strip(CURRENCY_SYMBOLS + " ")
    if not s:
        raise ValueError(f"{text!r} is not an amount")
    if thousands_sep:
        groups = s.split(decimal_sep)[0].split(thousands_sep)
        if len(groups) > 1 and (not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:])):
            raise ValueError(f"{text!r}: thousands separators in the wrong places")
        s = s.replace(thousands_sep, "")
    s = s.replace(decimal_sep, ".")
    if not re.fullmatch(r"\d+(\.\d+)?", s):
        raise ValueError(f"{text!r} is not an amount")
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount") from None
    return -value if negative else value


def parse_date(text: str, date_format: str) -> date:
    try:
        return datetime.strptime(text.strip(), date_format).date()
    except ValueError:
        raise ValueError(f"{text!r} is not a date in the format {date_format}") from None


def parse_int(text: str) -> int:
    s = text.strip().replace("_", "")
    if not re.fullmatch(r"[+-]?\d+", s):
        raise ValueError(f"{text!r} is not a whole number")
    return int(s)


def parse_percent(text: str, decimal_sep: str = ".") -> Decimal:
    """'12.5%' -> Decimal('0.125')."""
    s = text.strip()
    if not s.endswith("%"):
        raise ValueError(f"{text!r} is not a percentage")
    return parse_amount(s[:-1], decimal_sep, "") / 100


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
