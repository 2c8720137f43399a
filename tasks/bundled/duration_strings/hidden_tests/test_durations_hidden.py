import random

import pytest

from durations import format_duration, parse_duration


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("1d2h3m4s", 93_784),
        ("1D 2H 3M 4S", 93_784),
        ("  10m  ", 600),
        ("90m", 5_400),
        ("36h", 129_600),
        ("0s", 0),
        ("0d0h0m0s", 0),
        ("007m", 420),
        ("1d\t1s", 86_401),
        ("2h 5s", 7_205),
        ("1000000s", 1_000_000),
        ("3d12h", 302_400),
    ],
)
def test_parse_valid(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "10",
        "h",
        "10x",
        "1h 1h",
        "30m1h",
        "1s1m",
        "-5m",
        "+5m",
        "1.5h",
        "1 h",
        "1h,30m",
        "1h30",
        "m30",
        "1hh",
        "5 m",
        "1w",
        "½h",
        "1h-30m",
    ],
)
def test_parse_invalid(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(
    "seconds, text",
    [
        (1, "1s"),
        (59, "59s"),
        (60, "1m"),
        (61, "1m1s"),
        (3_600, "1h"),
        (3_601, "1h1s"),
        (86_399, "23h59m59s"),
        (86_400, "1d"),
        (90_061, "1d1h1m1s"),
        (1_000_000, "11d13h46m40s"),
        (172_860, "2d1m"),
    ],
)
def test_format_values(seconds, text):
    assert format_duration(seconds) == text


def test_format_rejects_bad_values():
    for bad in (-1, 1.5, "60", None, True):
        with pytest.raises(ValueError):
            format_duration(bad)


def test_round_trip_for_many_values():
    rng = random.Random(8080)
    values = [rng.randrange(0, 10**7) for _ in range(500)] + list(range(0, 200))
    for seconds in values:
        text = format_duration(seconds)
        assert " " not in text
        assert parse_duration(text) == seconds, text
        assert parse_duration(" ".join(text.replace("d", "d ").replace("h", "h ").replace("m", "m ").split())) == seconds
