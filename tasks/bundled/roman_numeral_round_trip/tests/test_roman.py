import pytest

from roman import from_roman, to_roman


def test_to_roman_simple():
    assert to_roman(3) == "III"
    assert to_roman(58) == "LVIII"


def test_to_roman_with_subtractive_forms():
    assert to_roman(1994) == "MCMXCIV"


def test_from_roman_simple():
    assert from_roman("LVIII") == 58


def test_from_roman_with_subtractive_forms():
    assert from_roman("MCMXCIV") == 1994


def test_out_of_range_raises():
    with pytest.raises(ValueError):
        to_roman(0)
    with pytest.raises(ValueError):
        to_roman(4000)
