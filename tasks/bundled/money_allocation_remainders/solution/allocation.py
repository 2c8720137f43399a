"""Split amounts of cents into parts proportional to weights."""

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction

Weight = int | Fraction


def _check_weights(weights: Sequence[Weight]) -> None:
    if not weights:
        raise ValueError("need at least one weight")
    if any(weight < 0 for weight in weights):
        raise ValueError("weights must not be negative")
    if sum(weights) == 0:
        raise ValueError("the weights must not all be zero")


def allocate(total_cents: int, weights: Sequence[Weight]) -> list[int]:
    """Split ``total_cents`` proportionally to ``weights`` so the parts add up exactly.

    Every part starts as the floor of its exact share; the remaining cents go to
    the parts with the largest remainders. Shares are Fractions, so there is no
    rounding error however large the amount.

    >>> allocate(100, [1, 1, 1])
    [34, 33, 33]
    """
    weights = list(weights)
    _check_weights(weights)
    if total_cents < 0:
        return [-part for part in allocate(-total_cents, weights)]
    total_weight = Fraction(sum(weights))
    shares = [total_cents * Fraction(weight) / total_weight for weight in weights]
    parts = [math.floor(share) for share in shares]
    remainders = [share - part for share, part in zip(shares, parts)]
    missing = total_cents - sum(parts)
    by_remainder = sorted(range(len(weights)), key=lambda index: (-remainders[index], index))
    for index in by_remainder[:missing]:
        parts[index] += 1
    return parts


def split_evenly(total_cents: int, people: int) -> list[int]:
    """Split ``total_cents`` into ``people`` parts that differ by at most one cent."""
    if people < 1:
        raise ValueError("need at least one person")
    return allocate(total_cents, [1] * people)


def split_bill(total_cents: int, shares: Mapping[str, Weight]) -> dict[str, int]:
    """Split a bill between named people according to their shares."""
    names = list(shares)
    parts = allocate(total_cents, [shares[name] for name in names])
    return dict(zip(names, parts))


def format_cents(cents: int) -> str:
    """Format cents as dollars: ``123405`` -> ``"$1,234.05"``, ``-5`` -> ``"-$0.05"``."""
    sign = "-" if cents < 0 else ""
    dollars, remainder = divmod(abs(cents), 100)
    return f"{sign}${dollars:,}.{remainder:02d}"
