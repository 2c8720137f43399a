"""Read stock listings and summarize them.

The listing parser lives in :mod:`inventory.parser`, the calculations and the
text report in :mod:`inventory.report`.
"""

from inventory.parser import Item, load_inventory, parse_line, parse_price
from inventory.report import format_cents, low_stock, summarize, total_value_cents

__all__ = [
    "Item",
    "format_cents",
    "load_inventory",
    "low_stock",
    "parse_line",
    "parse_price",
    "summarize",
    "total_value_cents",
]
