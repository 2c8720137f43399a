"""A small recursive-descent JSON parser (RFC 8259)."""

import re
from typing import Any

_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][0-9]+)?")
_WHITESPACE = " \t\n\r"
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_HEX = frozenset("0123456789abcdefABCDEF")


class JSONError(ValueError):
    """Invalid JSON; ``position`` is the index in the text where it was detected."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} at position {position}")
        self.position = position


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip_whitespace(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in _WHITESPACE:
            self.pos += 1

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise JSONError(f"expected {char!r}", self.pos)
        self.pos += 1

    def value(self) -> Any:
        self.skip_whitespace()
        char = self.peek()
        if char == "{":
            result = self.object()
        elif char == "[":
            result = self.array()
        elif char == '"':
            result = self.string()
        elif char == "-" or char.isdigit():
            result = self.number()
        else:
            result = self.literal()
        self.skip_whitespace()
        return result

    def literal(self) -> Any:
        for word, result in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return result
        raise JSONError("unexpected character" if self.peek() else "unexpected end of text", self.pos)

    def number(self) -> int | float:
        match = _NUMBER.match(self.text, self.pos)
        if match is None:
            raise JSONError("invalid number", self.pos)
        self.pos = match.end()
        if match.group(1) or match.group(2):
            return float(match.group())
        return int(match.group())

    def string(self) -> str:
        start = self.pos + 1
        end = start
        while True:
            end = self.text.find('"', end)
            if end == -1:
                raise JSONError("unterminated string", self.pos)
            if self.text[end - 1] != "\\":
                break
            end += 1
        raw = self.text[start:end]
        self.pos = end + 1
        return self.unescape(raw, start)

    def unescape(self, raw: str, offset: int) -> str:
        chars = []
        index = 0
        while index < len(raw):
            char = raw[index]
            if char < " ":
                raise JSONError("control character in string", offset + index)
            if char != "\\":
                chars.append(char)
                index += 1
                continue
            code = raw[index + 1 : index + 2]
            if code in _ESCAPES:
                chars.append(_ESCAPES[code])
                index += 2
            elif code == "u":
                digits = raw[index + 2 : index + 6]
                if len(digits) != 4 or not set(digits) <= _HEX:
                    raise JSONError("invalid \\u escape", offset + index)
                chars.append(chr(int(digits, 16)))
                index += 6
            else:
                raise JSONError("invalid escape", offset + index)
        return "".join(chars)

    def array(self) -> list[Any]:
        self.expect("[")
        items: list[Any] = []
        if self.peek() == "]":
            self.pos += 1
            return items
        while True:
            items.append(self.value())
            if self.peek() == ",":
                self.pos += 1
                continue
            self.expect("]")
            return items

    def object(self) -> dict[str, Any]:
        self.expect("{")
        members: dict[str, Any] = {}
        if self.peek() == "}":
            self.pos += 1
            return members
        while True:
            self.skip_whitespace()
            if self.peek() != '"':
                raise JSONError("expected a string key", self.pos)
            key = self.string()
            self.skip_whitespace()
            self.expect(":")
            members[key] = self.value()
            if self.peek() == ",":
                self.pos += 1
                continue
            self.expect("}")
            return members


def loads(text: str) -> Any:
    """Parse a JSON document and return the Python value it describes."""
    parser = _Parser(text)
    result = parser.value()
    if parser.pos != len(text):
        raise JSONError("unexpected text after the value", parser.pos)
    return result
