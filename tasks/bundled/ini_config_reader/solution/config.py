"""Read INI-style configuration text into a Config with typed getters."""

from collections.abc import Callable
from typing import Any

_MISSING: Any = object()
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


class ConfigError(ValueError):
    """Malformed configuration text or a value of the wrong type.

    ``line`` is the 1-based line number of the offending line, or None when the
    error is not about a particular line.
    """

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message if line is None else f"line {line}: {message}")
        self.line = line


class Config:
    """Sections of string values; keys are case-insensitive."""

    def __init__(self) -> None:
        self._sections: dict[str, dict[str, str]] = {}

    def _set(self, section: str, key: str, value: str) -> None:
        self._sections.setdefault(section, {})[key.lower()] = value

    def _append(self, section: str, key: str, more: str) -> None:
        self._sections[section][key] += "\n" + more

    def sections(self) -> list[str]:
        """Section names in order of first appearance."""
        return list(self._sections)

    def __contains__(self, section: object) -> bool:
        return section in self._sections

    def get(self, section: str, key: str, default: Any = _MISSING) -> Any:
        """The value of ``key`` in ``section``; ``default`` or KeyError if missing."""
        values = self._sections.get(section, {})
        if key.lower() in values:
            return values[key.lower()]
        if default is _MISSING:
            raise KeyError(f"no key {key!r} in section {section!r}")
        return default

    def _typed(self, section: str, key: str, default: Any, convert: Callable[[str], Any]) -> Any:
        """Convert the value with ``convert``; a missing value gives ``default`` unchanged."""
        values = self._sections.get(section, {})
        if key.lower() not in values:
            if default is _MISSING:
                raise KeyError(f"no key {key!r} in section {section!r}")
            return default
        return convert(values[key.lower()])

    def get_int(self, section: str, key: str, default: Any = _MISSING) -> Any:
        """The value converted to ``int``; ConfigError if it is not an integer."""

        def convert(value: str) -> int:
            try:
                return int(value)
            except ValueError:
                raise ConfigError(f"[{section}] {key} is not an integer: {value!r}") from None

        return self._typed(section, key, default, convert)

    def get_bool(self, section: str, key: str, default: Any = _MISSING) -> Any:
        """The value as a bool (true/yes/on/1 or false/no/off/0)."""

        def convert(value: str) -> bool:
            word = value.lower()
            if word in _TRUE:
                return True
            if word in _FALSE:
                return False
            raise ConfigError(f"[{section}] {key} is not a boolean: {value!r}")

        return self._typed(section, key, default, convert)

    def get_list(self, section: str, key: str, default: Any = _MISSING) -> Any:
        """The value split at commas, items stripped, empty items dropped."""
        return self._typed(section, key, default, lambda value: [item.strip() for item in value.split(",") if item.strip()])


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def parse_config(text: str) -> Config:
    """Parse INI-style ``text``; raise ConfigError naming the line of a problem."""
    config = Config()
    section: str | None = None
    last_key: str | None = None  # the key a continuation line would extend
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped[0] in "#;":
            last_key = None
            continue
        if raw[0] in " \t" and last_key is not None:
            config._append(section, last_key, stripped)
            continue
        last_key = None
        if stripped.startswith("["):
            if not stripped.endswith("]"):
                raise ConfigError("section header without a closing ']'", number)
            name = stripped[1:-1].strip()
            if not name:
                raise ConfigError("empty section name", number)
            section = name
            config._sections.setdefault(section, {})
            continue
        positions = [position for position in (stripped.find("="), stripped.find(":")) if position >= 0]
        if not positions:
            raise ConfigError(f"expected 'key = value', a [section] or a comment, got {stripped!r}", number)
        split_at = min(positions)
        key = stripped[:split_at].strip().lower()
        value = _unquote(stripped[split_at + 1 :].strip())
        if not key:
            raise ConfigError("empty key", number)
        if section is None:
            raise ConfigError("key outside of any section", number)
        config._set(section, key, value)
        last_key = key
    return config
