"""Merge ingredient lists into a shopping list and format it."""

from collections.abc import Iterable

from recipes.scaling import Ingredient
from recipes.units import canonical_unit, from_base, to_base, unit_kind


def shopping_list(*ingredient_lists: Iterable[Ingredient]) -> list[Ingredient]:
    """Merge same-named ingredients of the same kind, in order of first appearance."""
    totals: dict[tuple[str, str], float] = {}
    first_seen: dict[tuple[str, str], Ingredient] = {}
    for ingredients in ingredient_lists:
        for ingredient in ingredients:
            kind = unit_kind(ingredient.unit)
            key = (ingredient.name.strip().lower(), kind)
            if key not in first_seen:
                first_seen[key] = ingredient
                totals[key] = 0.0
            totals[key] += to_base(ingredient.quantity, ingredient.unit)
    entries = []
    for key, first in first_seen.items():
        unit = canonical_unit(first.unit)
        entries.append(Ingredient(first.name, from_base(totals[key], unit), unit))
    return entries


def format_quantity(quantity: float) -> str:
    """Round to 2 decimals and drop trailing zeros: ``1.50`` -> ``"1.5"``."""
    text = f"{quantity:.2f}".rstrip("0").rstrip(".")
    return text if text != "-0" else "0"


def format_list(entries: Iterable[Ingredient]) -> list[str]:
    """Return one ``"<quantity> <unit> <name>"`` line per entry."""
    return [f"{format_quantity(entry.quantity)} {entry.unit} {entry.name}" for entry in entries]
