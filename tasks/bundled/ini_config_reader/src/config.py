"""Read INI-style configuration text into a Config with typed getters."""

from typing import Any

_MISSING: Any = object()


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

    def sections(self) -> list[str]:
        """Section names in order of first appearance."""
        raise NotImplementedError

    def __contains__(self, section: object) -> bool:
        raise NotImplementedError

    def get(self, section: str, key: str, default: Any = _MISSING) -> Any:
        """The value of ``key`` in ``section``; ``default`` or KeyError if missing."""
        raise NotImplementedError

    def get_int(self, section: str, key: str, default: Any = _MISSING) -> Any:
        """The value converted to ``int``; ConfigError if it is not an integer."""
        raise NotImplementedError

    def get_bool(self, section: str, key: str, default: Any = _MISSING) -> Any:
        """The value as a bool (true/yes/on/1 or false/no/off/0)."""
        raise NotImplementedError

    def get_list(self, section: str, key: str, default: Any = _MISSING) -> Any:
        """The value split at commas, items stripped, empty items dropped."""
        raise NotImplementedError


def parse_config(text: str) -> Config:
    """Parse INI-style ``text``; raise ConfigError naming the line of a problem."""
    raise NotImplementedError
