"""Convert between seconds and durations written like ``1h30m``."""

UNIT_SECONDS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}


def parse_duration(text: str) -> int:
    """Return the number of seconds in a duration such as ``"1h 30m"``.

    A duration is a sequence of ``<digits><unit>`` components with units d, h, m, s
    (case-insensitive) in that order, each at most once, optionally separated by
    whitespace. Raises ValueError for anything else.

    >>> parse_duration("1h30m")
    5400
    """
    raise NotImplementedError


def format_duration(seconds: int) -> str:
    """Write ``seconds`` with the largest units first, e.g. ``5400`` -> ``"1h30m"``.

    Zero components are left out; zero itself is ``"0s"``. Raises ValueError for
    negative numbers and non-integers.

    >>> format_duration(90061)
    '1d1h1m1s'
    """
    raise NotImplementedError
