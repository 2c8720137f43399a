"""Parse stock listings with one ``sku, name, quantity, price`` line per item."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    """One stock item: its SKU, name, units in stock and unit price in cents."""

    sku: str
    name: str
    quantity: int
    price_cents: int


def parse_price(text: str) -> int:
    """Convert a dollar price such as ``"4.35"`` or ``"12"`` to whole cents."""
    value = float(text)
    if value < 0:
        raise ValueError(f"negative price: {text!r}")
    return int(value * 100)


def parse_line(line: str) -> Item:
    """Parse one ``sku, name, quantity, price`` line into an :class:`Item`."""
    parts = [part.strip() for part in line.split(",")]
    if len(parts) != 4:
        raise ValueError(f"expected 4 comma-separated fields in {line!r}")
    sku, name, quantity_text, price_text = parts
    quantity = int(quantity_text)
    if quantity < 0:
        raise ValueError(f"negative quantity in {line!r}")
    return Item(sku.upper(), name, quantity, parse_price(price_text))


def load_inventory(text: str) -> dict[str, Item]:
    """Parse a whole listing into a dict keyed by SKU.

    Blank lines and lines starting with ``#`` are ignored. Several lines for
    the same SKU describe a single item.
    """
    items: dict[str, Item] = {}
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        item = parse_line(line)
        items[item.sku] = item
    return items
