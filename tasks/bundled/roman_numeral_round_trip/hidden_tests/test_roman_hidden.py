import pytest

from roman import from_roman, to_roman


def test_to_roman_nineties():
    assert to_roman(90) == "XC"
    assert to_roman(99) == "XCIX"
    assert to_roman(94) == "XCIV"


def test_to_roman_other_subtractive_values():
    assert to_roman(4) == "IV"
    assert to_roman(9) == "IX"
    assert to_roman(40) == "XL"
    assert to_roman(400) == "CD"
    assert to_roman(444) == "CDXLIV"
    assert to_roman(3999) == "MMMCMXCIX"


def test_from_roman_two_symbol_subtractive():
    assert from_roman("IV") == 4
    assert from_roman("IX") == 9
    assert from_roman("XC") == 90
    assert from_roman("CM") == 900


def test_from_roman_subtraction_at_end():
    assert from_roman("XIV") == 14
    assert from_roman("XLII") == 42
    assert from_roman("MMXXIV") == 2024


def test_from_roman_single_symbols():
    for numeral, value in [("I", 1), ("V", 5), ("X", 10), ("L", 50), ("C", 100), ("D", 500), ("M", 1000)]:
        assert from_roman(numeral) == value


def test_round_trip_all_numbers():
    for number in range(1, 4000):
        assert from_roman(to_roman(number)) == number, number


def test_canonical_form_is_shortest_for_all_numbers():
    for number in range(1, 4000):
        numeral = to_roman(number)
        for bad in ("IIII", "VV", "XXXX", "LL", "CCCC", "DD", "LXL", "VIV"):
            assert bad not in numeral, (number, numeral)


def test_invalid_inputs_raise():
    for bad in (-1, 0, 4000, 2.0, "12"):
        with pytest.raises(ValueError):
            to_roman(bad)
    for bad in ("", "ABC", "xiv", "X I"):
        with pytest.raises(ValueError):
            from_roman(bad)
