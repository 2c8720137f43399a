import pytest

from rle import decode, encode


def test_encode_single_character():
    assert encode("z") == "1z"


def test_encode_single_long_run():
    assert encode("a" * 12) == "12a"


def test_encode_no_repeats():
    assert encode("abc") == "1a1b1c"


def test_encode_ends_with_single_char():
    assert encode("aab") == "2a1b"


def test_encode_spaces_and_symbols():
    assert encode("  !!!x") == "2 3!1x"


def test_decode_multi_digit_count():
    assert decode("12a1b") == "a" * 12 + "b"


def test_round_trip_many_strings():
    samples = ["", "a", "ab", "aa", "aabbbcccc", "mississippi", "x" * 105 + "y", "Hello, World!!"]
    for text in samples:
        assert decode(encode(text)) == text


def test_decode_errors():
    with pytest.raises(ValueError):
        decode("a")
    with pytest.raises(ValueError):
        decode("3a2")
