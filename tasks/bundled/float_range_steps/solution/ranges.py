"""Evenly spaced decimal values and a Celsius/Fahrenheit table built from them."""

import math


def float_steps(start: float, stop: float, step: float) -> list[float]:
    """Return ``start, start + step, ...`` up to and including ``stop``.

    Each value is computed from its index rather than by repeated addition, so
    rounding errors do not accumulate.

    >>> float_steps(0, 1, 0.25)
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    if step == 0:
        raise ValueError("step must not be zero")
    count = math.floor((stop - start) / step + 1e-9) + 1
    return [round(start + index * step, 10) for index in range(max(count, 0))]


def conversion_table(start_c: float, stop_c: float, step: float) -> list[tuple[float, float]]:
    """Return ``(celsius, fahrenheit)`` rows from ``start_c`` to ``stop_c``."""
    return [(celsius, round(celsius * 9 / 5 + 32, 2)) for celsius in float_steps(start_c, stop_c, step)]
