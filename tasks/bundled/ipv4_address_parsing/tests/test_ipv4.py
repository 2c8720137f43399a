import pytest

from ipv4 import int_to_ipv4, ipv4_to_int, is_valid_ipv4, parse_ipv4


def test_parse():
    assert parse_ipv4("192.168.0.1") == (192, 168, 0, 1)


def test_out_of_range_and_wrong_shape():
    assert not is_valid_ipv4("256.1.1.1")
    assert not is_valid_ipv4("1.2.3")


def test_signs_are_rejected():
    assert not is_valid_ipv4("+1.2.3.4")


def test_conversions():
    assert ipv4_to_int("1.2.3.4") == 16909060
    assert int_to_ipv4(16909060) == "1.2.3.4"
    with pytest.raises(ValueError):
        int_to_ipv4(-1)
