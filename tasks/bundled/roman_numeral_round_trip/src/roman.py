"""Conversion between integers and Roman numerals."""

SYMBOL_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}

NUMERALS = [
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (50, "L"),
    (90, "XC"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
]


def to_roman(number: int) -> str:
    """Return the canonical Roman numeral for ``number`` (1 to 3999)."""
    if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= 3999:
        raise ValueError(f"cannot convert {number!r} to a Roman numeral")
    parts: list[str] = []
    for value, symbol in NUMERALS:
        while number >= value:
            parts.append(symbol)
            number -= value
    return "".join(parts)


def from_roman(numeral: str) -> int:
    """Return the integer value of the Roman numeral ``numeral``.

    A symbol followed by a symbol of larger value is subtracted instead of added.
    """
    if not numeral:
        raise ValueError("empty Roman numeral")
    for char in numeral:
        if char not in SYMBOL_VALUES:
            raise ValueError(f"invalid Roman numeral symbol {char!r}")
    total = 0
    for index, char in enumerate(numeral):
        value = SYMBOL_VALUES[char]
        if index + 1 < len(numeral) - 1 and value < SYMBOL_VALUES[numeral[index + 1]]:
            total -= value
        else:
            total += value
    return total
