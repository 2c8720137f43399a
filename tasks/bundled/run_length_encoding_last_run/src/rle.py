"""Run-length encoding of strings that contain no digits."""


def encode(text: str) -> str:
    """Encode ``text`` as a sequence of <count><char> pairs.

    >>> encode("aaabcc")
    '3a1b2c'
    """
    if not text:
        return ""
    pieces: list[str] = []
    current, count = text[0], 1
    for char in text[1:]:
        if char == current:
            count += 1
        else:
            pieces.append(f"{count}{current}")
            current, count = char, 1
    return "".join(pieces)


def decode(encoded: str) -> str:
    """Expand a string produced by :func:`encode` back to the original text.

    Raises ValueError when a character has no count or a count has no character.
    """
    pieces: list[str] = []
    digits = ""
    for char in encoded:
        if char.isdigit():
            digits += char
        elif not digits:
            raise ValueError(f"missing count before {char!r}")
        else:
            pieces.append(char * int(digits))
            digits = ""
    if digits:
        raise ValueError("count at the end of input has no character")
    return "".join(pieces)
