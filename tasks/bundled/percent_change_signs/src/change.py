"""Relative change between two values, as a number and as display text."""


def percent_change(old: float, new: float) -> float:
    """Return the change from ``old`` to ``new`` in percent of the size of ``old``.

    >>> percent_change(200, 250)
    25.0
    """
    if old == 0:
        raise ValueError("percentage change from zero is undefined")
    return (new - old) / old * 100


def format_change(old: float, new: float, digits: int = 1) -> str:
    """Format the percentage change with a sign, e.g. ``"+25.0%"``.

    A change that rounds to zero has no sign.
    """
    change = percent_change(old, new)
    return f"{change:+.{digits}f}%"
