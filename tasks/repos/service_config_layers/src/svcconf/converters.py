"""Converters from the strings a configuration file holds to the values the schema wants.

Every converter also accepts a value that is already converted, so a configuration built in
Python (or merged from several layers) goes through the same path as one parsed from text.
"""

from __future__ import annotations

import re

DEFAULT_HEADERS = {"User-Agent": "svcconf/1.4", "Accept": "application/json"}

_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_SIZE_UNITS = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$", re.IGNORECASE)
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def to_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{value!r} is not a boolean (use true/false, yes/no, on/off, 1/0)")


def to_duration(value: object) -> float:
    """Seconds from 1.5, "250ms", "30s", "5m", "1h30m"."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        text = str(value).strip().lower().replace(" ", "")
        if re.fullmatch(r"\d+(\.\d+)?", text):
            seconds = float(text)
        else:
            parts = _DURATION_PART.findall(text)
            if not parts or "".join(n + u for n, u in parts) != text:
                raise ValueError(f"{value!r} is not a duration (examples: 250ms, 30s, 5m, 1h30m)")
            seconds = sum(float(n) * _DURATION_UNITS[u] for n, u in parts)
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative: {value!r}")
    return seconds


def to_size(value: object) -> int:
    """Bytes from 512, "64kb", "2MB", "1.5GB"."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a size")
    if isinstance(value, int):
        return value
    match = _SIZE.match(str(value).strip())
    if not match:
        raise ValueError(f"{value!r} is not a size (examples: 512, 64KB, 2MB)")
    number, unit = match.groups()
    return int(float(number) * _SIZE_UNITS[(unit or "b").lower()])


def to_list(value: object) -> list[str]:
    """A list of strings from a list or a comma-separated string; blanks are dropped."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, (tuple, set, frozenset)):
        return [str(v) for v in value]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def _parse_header_text(text: str) -> dict[str, str]:
    headers = {}
    for item in text.split(";"):
        if not item.strip():
            continue
        name, sep, val = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"header {item.strip()!r} must look like Name=value")
        headers[name.strip()] = val.strip()
    return headers


def to_headers(value: object) -> dict[str, str]:
    """A header map from a dict or "Name=value; Other=value". No value: the default headers."""
    if value is None:
        return DEFAULT_HEADERS
    if isinstance(value, dict):
        headers = {str(k): str(v) for k, v in value.items()}
    else:
        headers = _parse_header_text(str(value))
    for name in headers:
        if not re.fullmatch(r"[A-Za-z0-9-]+", name):
            raise ValueError(f"{name!r} is not a valid header name")
    return {**DEFAULT_HEADERS, **headers}


def to_log_level(value: object) -> str:
    return str(value).strip().upper()
