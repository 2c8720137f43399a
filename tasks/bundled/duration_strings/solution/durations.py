"""Convert between seconds and durations written like ``1h30m``."""

import re

UNIT_SECONDS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
_COMPONENT = re.compile(r"([0-9]+)([a-z])\s*")


def parse_duration(text: str) -> int:
    """Return the number of seconds in a duration such as ``"1h 30m"``.

    A duration is a sequence of ``<digits><unit>`` components with units d, h, m, s
    (case-insensitive) in that order, each at most once, optionally separated by
    whitespace. Raises ValueError for anything else.

    >>> parse_duration("1h30m")
    5400
    """
    body = text.strip().lower()
    if not body:
        raise ValueError("empty duration")
    units = list(UNIT_SECONDS)
    total = 0
    previous_rank = -1
    position = 0
    while position < len(body):
        match = _COMPONENT.match(body, position)
        if match is None:
            raise ValueError(f"invalid duration {text!r} at position {position}")
        number, unit = match.groups()
        if unit not in UNIT_SECONDS:
            raise ValueError(f"unknown unit {unit!r} in {text!r}")
        rank = units.index(unit)
        if rank <= previous_rank:
            raise ValueError(f"unit {unit!r} repeated or out of order in {text!r}")
        previous_rank = rank
        total += int(number) * UNIT_SECONDS[unit]
        position = match.end()
    return total


def format_duration(seconds: int) -> str:
    """Write ``seconds`` with the largest units first, e.g. ``5400`` -> ``"1h30m"``.

    Zero components are left out; zero itself is ``"0s"``. Raises ValueError for
    negative numbers and non-integers.

    >>> format_duration(90061)
    '1d1h1m1s'
    """
    if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds < 0:
        raise ValueError(f"seconds must be a non-negative integer, got {seconds!r}")
    if seconds == 0:
        return "0s"
    parts = []
    remaining = seconds
    for unit, size in UNIT_SECONDS.items():
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
