import random

import pytest

from ipv4 import int_to_ipv4, ipv4_to_int, is_valid_ipv4, parse_ipv4


@pytest.mark.parametrize(
    "text",
    ["0.0.0.0", "255.255.255.255", "10.0.0.1", "127.0.0.1", "1.10.100.200", "249.250.251.252"],
)
def test_valid(text):
    assert is_valid_ipv4(text)
    assert ".".join(map(str, parse_ipv4(text))) == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1.2.3.4.5",
        "1..3.4",
        "1.2.3.",
        ".1.2.3",
        "-1.2.3.4",
        "1.2.3.-0",
        "1_0.0.0.1",
        " 1.2.3.4",
        "1.2.3.4 ",
        "1.2 .3.4",
        "1.2.3.4\n",
        "01.2.3.4",
        "1.2.3.00",
        "1.2.3.0001",
        "300.1.1.1",
        "1.2.3.256",
        "1.2.3.1000",
        "a.b.c.d",
        "1.2.3.0x1",
        "1.2.3.٣",
        "1.2.3.4/24",
    ],
)
def test_invalid(text):
    assert not is_valid_ipv4(text)
    with pytest.raises(ValueError):
        parse_ipv4(text)
    with pytest.raises(ValueError):
        ipv4_to_int(text)


def test_boundaries_of_int_conversion():
    assert int_to_ipv4(0) == "0.0.0.0"
    assert int_to_ipv4(2**32 - 1) == "255.255.255.255"
    assert ipv4_to_int("255.255.255.255") == 2**32 - 1
    for bad in (2**32, 2**40, -5):
        with pytest.raises(ValueError):
            int_to_ipv4(bad)


def test_round_trip_random_numbers():
    rng = random.Random(404)
    for _ in range(2000):
        number = rng.randrange(2**32)
        text = int_to_ipv4(number)
        assert is_valid_ipv4(text)
        assert ipv4_to_int(text) == number
