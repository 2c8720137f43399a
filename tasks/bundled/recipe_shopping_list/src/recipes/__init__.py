"""Scale recipes and merge their ingredients into a shopping list.

:mod:`recipes.units` knows the units, :mod:`recipes.scaling` scales ingredient lists,
and :mod:`recipes.shopping` merges and formats them.
"""

from recipes.scaling import Ingredient, scale
from recipes.shopping import format_list, shopping_list
from recipes.units import canonical_unit, convert, from_base, to_base, unit_kind

__all__ = [
    "Ingredient",
    "canonical_unit",
    "convert",
    "format_list",
    "from_base",
    "scale",
    "shopping_list",
    "to_base",
    "unit_kind",
]
