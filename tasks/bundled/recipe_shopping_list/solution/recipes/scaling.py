"""Ingredients and scaling a recipe up or down."""

from collections.abc import Iterable
from dataclasses import dataclass, replace


@dataclass
class Ingredient:
    """An amount of something: ``quantity`` of ``unit`` of ``name``."""

    name: str
    quantity: float
    unit: str


def scale(ingredients: Iterable[Ingredient], factor: float) -> list[Ingredient]:
    """Return the ingredients with every quantity multiplied by ``factor``."""
    if not factor > 0:
        raise ValueError(f"factor must be positive, got {factor!r}")
    return [replace(ingredient, quantity=ingredient.quantity * factor) for ingredient in ingredients]
