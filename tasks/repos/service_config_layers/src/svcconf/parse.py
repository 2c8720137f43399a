"""The text format: INI-like sections, `key = value` lines, `#`/`;` comments.

    [service]            -> top-level keys
    [headers]            -> {"headers": {...}}
    [limits]             -> {"limits": {...}}
    [upstream:NAME]      -> {"upstreams": {NAME: {...}}}

A dotted key (`retry.attempts = 5`) makes a nested table. Values are strings; a value in double
quotes keeps its spaces and commas. Conversion to numbers and durations happens in the schema.
"""

from __future__ import annotations

import re

from svcconf.errors import ConfigError

_SECTION = re.compile(r"^\[(?P<kind>[a-z]+)(?::(?P<name>[A-Za-z0-9_-]+))?\]$")
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")
SECTIONS = ("service", "headers", "limits", "upstream")


def _unquote(value: str, line_no: int, source: str) -> str:
    if value.startswith('"'):
        if len(value) < 2 or not value.endswith('"'):
            raise ConfigError("unterminated quoted value", line=line_no, source=source)
        return value[1:-1].replace('\\"', '"')
    return value


def _set_dotted(table: dict, key: str, value: str, line_no: int, source: str) -> None:
    *parents, leaf = key.split(".")
    for part in parents:
        child = table.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"{key!r}: {part!r} is already a value, not a table", line=line_no, source=source)
        table = child
    if leaf in table:
        raise ConfigError(f"{key!r} is set twice", line=line_no, source=source)
    table[leaf] = value


def parse(text: str, source: str = "") -> dict:
    result: dict = {}
    table: dict | None = None
    for line_no, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            match = _SECTION.match(line)
            if not match or match["kind"] not in SECTIONS:
                raise ConfigError(f"unknown section {line!r} (sections: {', '.join(SECTIONS)})", line=line_no, source=source)
            kind, name = match["kind"], match["name"]
            if kind == "upstream":
                if not name:
                    raise ConfigError("an upstream section needs a name: [upstream:NAME]", line=line_no, source=source)
                upstreams = result.setdefault("upstreams", {})
                if name in upstreams:
                    raise ConfigError(f"upstream {name!r} is defined twice", line=line_no, source=source)
                table = upstreams[name] = {}
            elif kind == "service":
                table = result
            else:
                table = result.setdefault(kind, {})
            continue
        key, sep, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not sep:
            raise ConfigError(f"expected `key = value`, got {line!r}", line=line_no, source=source)
        if table is None:
            raise ConfigError("a key before any [section]", line=line_no, source=source)
        if table is result.get("headers"):
            # Header names are case-preserving and may contain dashes; they are never dotted.
            table[key] = _unquote(value, line_no, source)
            continue
        if not _KEY.match(key):
            raise ConfigError(f"invalid key {key!r}", line=line_no, source=source)
        _set_dotted(table, key, _unquote(value, line_no, source), line_no, source)
    return result
