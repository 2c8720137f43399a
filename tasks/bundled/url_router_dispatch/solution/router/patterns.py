"""Compile route patterns such as ``/users/<int:user_id>`` into matchers."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_PARAMETER = re.compile(r"<(?:(?P<converter>[a-z]+):)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)>")

# converter name -> (regular expression for the text, function converting it)
CONVERTERS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "str": (r"[^/]+", str),
    "int": (r"[0-9]+", int),
    "path": (r".+", str),
}


@dataclass(frozen=True)
class Pattern:
    """A compiled route pattern."""

    source: str
    regex: re.Pattern[str]
    converters: dict[str, str]  # parameter name -> converter name

    def match(self, path: str) -> dict[str, Any] | None:
        """Return the converted parameters if ``path`` matches, else None."""
        found = self.regex.fullmatch(path)
        if found is None:
            return None
        return {name: CONVERTERS[self.converters[name]][1](text) for name, text in found.groupdict().items()}

    def build(self, **params: Any) -> str:
        """Return the path with every parameter replaced by its value."""
        if set(params) != set(self.converters):
            raise ValueError(f"{self.source} needs parameters {sorted(self.converters)}, got {sorted(params)}")

        def fill(found: re.Match[str]) -> str:
            name = found.group("name")
            text = str(params[name])
            if not re.fullmatch(CONVERTERS[self.converters[name]][0], text):
                raise ValueError(f"{text!r} is not a valid value for <{name}>")
            return text

        return _PARAMETER.sub(fill, self.source)


def compile_pattern(source: str) -> Pattern:
    """Compile a route pattern; raise ValueError if it is malformed."""
    if not source.startswith("/"):
        raise ValueError(f"a pattern must start with '/': {source!r}")
    pieces = []
    converters: dict[str, str] = {}
    position = 0
    for found in _PARAMETER.finditer(source):
        name = found.group("name")
        converter = found.group("converter") or "str"
        if converter not in CONVERTERS:
            raise ValueError(f"unknown converter {converter!r} in {source!r}")
        if name in converters:
            raise ValueError(f"parameter {name!r} appears twice in {source!r}")
        converters[name] = converter
        pieces.append(re.escape(source[position : found.start()]))
        pieces.append(f"(?P<{name}>{CONVERTERS[converter][0]})")
        position = found.end()
    pieces.append(re.escape(source[position:]))
    return Pattern(source, re.compile("".join(pieces)), converters)
