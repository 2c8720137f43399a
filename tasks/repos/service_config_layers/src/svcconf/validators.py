"""attrs validators. Each raises ValueError with a message that names the attribute; structure.py
adds where in the configuration it was."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")


def name(instance, attribute, value) -> None:
    if not isinstance(value, str) or not _NAME.match(value):
        raise ValueError(f"{attribute.name} {value!r} must be lowercase letters, digits and dashes, starting with a letter")


def port(instance, attribute, value) -> None:
    if not 1 <= value <= 65535:
        raise ValueError(f"{attribute.name} {value} is not a TCP port (1-65535)")


def url(instance, attribute, value) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{attribute.name} {value!r} must be an http:// or https:// URL with a host")


def log_level(instance, attribute, value) -> None:
    if value not in LOG_LEVELS:
        raise ValueError(f"{attribute.name} {value!r} must be one of {', '.join(LOG_LEVELS)}")


def positive(instance, attribute, value) -> None:
    if value <= 0:
        raise ValueError(f"{attribute.name} must be positive, not {value}")


def in_range(low: float, high: float):
    def check(instance, attribute, value) -> None:
        if not low <= value <= high:
            raise ValueError(f"{attribute.name} {value} must be between {low} and {high}")

    return check


def status_codes(instance, attribute, value) -> None:
    for code in value:
        if not (code.isdigit() and 100 <= int(code) <= 599):
            raise ValueError(f"{attribute.name}: {code!r} is not an HTTP status code")
