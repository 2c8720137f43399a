"""Cooking units: their kind (volume, mass, count) and size in the kind's base unit."""

_UNITS: dict[str, tuple[str, float]] = {
    "ml": ("volume", 1.0),
    "l": ("volume", 1000.0),
    "tsp": ("volume", 4.92892159375),
    "tbsp": ("volume", 14.78676478125),
    "cup": ("volume", 236.5882365),
    "g": ("mass", 1.0),
    "kg": ("mass", 1000.0),
    "oz": ("mass", 28.349523125),
    "lb": ("mass", 453.59237),
    "piece": ("count", 1.0),
}

_ALIASES = {
    "teaspoon": "tsp",
    "teaspoons": "tsp",
    "tablespoon": "tbsp",
    "tablespoons": "tbsp",
    "cups": "cup",
    "grams": "g",
    "kilograms": "kg",
    "ounces": "oz",
    "pounds": "lb",
    "lbs": "lb",
    "pieces": "piece",
    "liter": "l",
    "liters": "l",
}


def canonical_unit(name: str) -> str:
    """Return the canonical name of a unit such as ``"Tablespoons"`` -> ``"tbsp"``."""
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in _UNITS:
        raise ValueError(f"unknown unit {name!r}")
    return key


def unit_kind(unit: str) -> str:
    """Return ``"volume"``, ``"mass"`` or ``"count"``."""
    return _UNITS[canonical_unit(unit)][0]


def to_base(quantity: float, unit: str) -> float:
    """Convert ``quantity`` of ``unit`` to the base unit of its kind (ml, g, piece)."""
    return quantity * _UNITS[canonical_unit(unit)][1]


def from_base(amount: float, unit: str) -> float:
    """Convert an ``amount`` in the base unit to ``unit``."""
    return amount / _UNITS[canonical_unit(unit)][1]


def convert(quantity: float, from_unit: str, to_unit: str) -> float:
    """Convert between two units of the same kind."""
    if unit_kind(from_unit) != unit_kind(to_unit):
        raise ValueError(f"cannot convert {from_unit!r} to {to_unit!r}")
    return from_base(to_base(quantity, from_unit), to_unit)
