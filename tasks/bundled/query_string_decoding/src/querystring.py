"""Parse and build URL query strings (``a=1&b=two+words``)."""

from collections.abc import Iterable, Mapping

_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def decode_component(text: str) -> str:
    """Decode ``+`` and ``%XX`` escapes in one key or value."""
    decoded = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "%":
            code = text[index + 1 : index + 3]
            if len(code) != 2 or not set(code) <= _HEX_DIGITS:
                raise ValueError(f"bad escape at position {index} in {text!r}")
            decoded.append(chr(int(code, 16)))
            index += 3
        else:
            decoded.append(char)
            index += 1
    return "".join(decoded).replace("+", " ")


def parse_query(query: str) -> dict[str, list[str]]:
    """Return every key of ``query`` with the list of its values."""
    if query.startswith("?"):
        query = query[1:]
    params: dict[str, list[str]] = {}
    for pair in query.split("&"):
        if not pair:
            continue
        pieces = pair.split("=")
        key = pieces[0]
        value = pieces[1] if len(pieces) > 1 else ""
        params.setdefault(decode_component(key), []).append(decode_component(value))
    return params


def encode_component(text: str) -> str:
    """Escape ``text`` for use as a key or value."""
    encoded = []
    for char in text:
        if char in _UNRESERVED:
            encoded.append(char)
        elif char == " ":
            encoded.append("+")
        else:
            encoded.extend(f"%{byte:02X}" for byte in char.encode("utf-8"))
    return "".join(encoded)


def build_query(params: Mapping[str, str | Iterable[str]]) -> str:
    """Join ``key=value`` pairs with ``&``; a key may have several values."""
    pairs = []
    for key, values in params.items():
        if isinstance(values, str):
            values = [values]
        for value in values:
            pairs.append(f"{encode_component(key)}={encode_component(value)}")
    return "&".join(pairs)
