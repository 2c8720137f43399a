"""Split one line of CSV text into fields, honouring double-quoted fields."""

from collections.abc import Sequence


def split_line(line: str, delimiter: str = ",") -> list[str]:
    """Return the fields of ``line``.

    Quoted fields may contain the delimiter, and ``""`` inside quotes stands for
    a single quote character. Raises ValueError for an unterminated quote.
    """
    fields: list[str] = []
    current: list[str] = []
    in_quotes = False
    index = 0
    while index < len(line):
        char = line[index]
        if in_quotes:
            if char == '"' and line[index + 1 : index + 2] == '"':
                current.append('"')
                index += 1
            elif char == '"':
                in_quotes = False
            else:
                current.append(char)
        elif char == '"':
            in_quotes = True
        elif char == delimiter:
            fields.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    if in_quotes:
        raise ValueError("unterminated quoted field")
    fields.append("".join(current))
    return fields


def parse_record(line: str, header: Sequence[str], delimiter: str = ",") -> dict[str, str]:
    """Split ``line`` and pair every field with the matching name in ``header``."""
    fields = split_line(line, delimiter)
    if len(fields) != len(header):
        raise ValueError(f"expected {len(header)} fields, got {len(fields)}")
    return dict(zip(header, fields))
