"""Parse semantic version strings and order them by precedence."""

from collections.abc import Iterable
from typing import NamedTuple


class Version(NamedTuple):
    """A parsed version; identifiers are kept as the strings that were written."""

    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()
    build: tuple[str, ...] = ()


def parse_version(text: str) -> Version:
    """Parse ``MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]``; raise ValueError if invalid.

    >>> parse_version("1.0.0-rc.1+b7")
    Version(major=1, minor=0, patch=0, prerelease=('rc', '1'), build=('b7',))
    """
    raise NotImplementedError


def compare_versions(a: str, b: str) -> int:
    """Return -1, 0 or 1 as version ``a`` has lower, equal or higher precedence than ``b``."""
    raise NotImplementedError


def sort_versions(texts: Iterable[str]) -> list[str]:
    """Return the version strings in ascending precedence (stable for equal ones)."""
    raise NotImplementedError


def latest(texts: Iterable[str], include_prereleases: bool = False) -> str | None:
    """Return the version string with the highest precedence, or None.

    Pre-releases are only candidates when ``include_prereleases`` is true; among
    versions of equal precedence the first one wins.
    """
    raise NotImplementedError
