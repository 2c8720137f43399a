"""Calculations and a short text report over a parsed inventory."""

from collections.abc import Mapping

from inventory.parser import Item, load_inventory


def total_value_cents(items: Mapping[str, Item]) -> int:
    """Return the value of all stock (quantity times unit price) in cents."""
    return sum(item.quantity * item.price_cents for item in items.values())


def low_stock(items: Mapping[str, Item], threshold: int = 5) -> list[str]:
    """Return the sorted SKUs whose quantity is at most ``threshold``."""
    return sorted(sku for sku, item in items.items() if item.quantity <= threshold)


def format_cents(cents: int) -> str:
    """Format an amount of cents as dollars, e.g. ``123456`` -> ``"$1,234.56"``."""
    dollars, remainder = divmod(cents, 100)
    return f"${dollars:,}.{remainder}"


def summarize(text: str, threshold: int = 5) -> str:
    """Parse the listing ``text`` and return a four-line summary report."""
    items = load_inventory(text)
    units = sum(item.quantity for item in items.values())
    short = ", ".join(low_stock(items, threshold)) or "none"
    lines = [
        f"items: {len(items)}",
        f"units: {units}",
        f"value: {format_cents(total_value_cents(items))}",
        f"low stock: {short}",
    ]
    return "\n".join(lines)
