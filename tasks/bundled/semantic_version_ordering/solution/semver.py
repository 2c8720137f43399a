"""Parse semantic version strings and order them by precedence."""

import functools
import re
from collections.abc import Iterable
from typing import NamedTuple

_NUMBER = r"(0|[1-9][0-9]*)"
_IDENTIFIER = re.compile(r"[0-9A-Za-z-]+")
_CORE = re.compile(rf"{_NUMBER}\.{_NUMBER}\.{_NUMBER}")


class Version(NamedTuple):
    """A parsed version; identifiers are kept as the strings that were written."""

    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()
    build: tuple[str, ...] = ()


def _identifiers(part: str, text: str, *, prerelease: bool) -> tuple[str, ...]:
    """Split a dot-separated identifier list and validate every identifier."""
    identifiers = tuple(part.split("."))
    for identifier in identifiers:
        if not _IDENTIFIER.fullmatch(identifier):
            raise ValueError(f"invalid identifier {identifier!r} in {text!r}")
        if prerelease and identifier.isdigit() and len(identifier) > 1 and identifier[0] == "0":
            raise ValueError(f"numeric pre-release identifier with a leading zero in {text!r}")
    return identifiers


def parse_version(text: str) -> Version:
    """Parse ``MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]``; raise ValueError if invalid.

    >>> parse_version("1.0.0-rc.1+b7")
    Version(major=1, minor=0, patch=0, prerelease=('rc', '1'), build=('b7',))
    """
    if not isinstance(text, str):
        raise ValueError(f"a version must be a string, got {text!r}")
    rest, plus, build_part = text.partition("+")
    core, minus, pre_part = rest.partition("-")
    match = _CORE.fullmatch(core)
    if match is None:
        raise ValueError(f"invalid version core in {text!r}")
    prerelease = _identifiers(pre_part, text, prerelease=True) if minus else ()
    build = _identifiers(build_part, text, prerelease=False) if plus else ()
    major, minor, patch = (int(number) for number in match.groups())
    return Version(major, minor, patch, prerelease, build)


def _compare_identifiers(left: str, right: str) -> int:
    left_numeric, right_numeric = left.isdigit(), right.isdigit()
    if left_numeric and right_numeric:
        left_key, right_key = int(left), int(right)
        return (left_key > right_key) - (left_key < right_key)
    if left_numeric != right_numeric:
        return -1 if left_numeric else 1
    return (left > right) - (left < right)


def _compare(a: Version, b: Version) -> int:
    if a[:3] != b[:3]:
        return -1 if a[:3] < b[:3] else 1
    if not a.prerelease or not b.prerelease:
        # A release outranks any pre-release of the same numbers.
        return (not a.prerelease) - (not b.prerelease)
    for left, right in zip(a.prerelease, b.prerelease):
        order = _compare_identifiers(left, right)
        if order:
            return order
    return (len(a.prerelease) > len(b.prerelease)) - (len(a.prerelease) < len(b.prerelease))


def compare_versions(a: str, b: str) -> int:
    """Return -1, 0 or 1 as version ``a`` has lower, equal or higher precedence than ``b``."""
    return _compare(parse_version(a), parse_version(b))


def sort_versions(texts: Iterable[str]) -> list[str]:
    """Return the version strings in ascending precedence (stable for equal ones)."""
    parsed = [(parse_version(text), text) for text in texts]
    parsed.sort(key=functools.cmp_to_key(lambda x, y: _compare(x[0], y[0])))
    return [text for _, text in parsed]


def latest(texts: Iterable[str], include_prereleases: bool = False) -> str | None:
    """Return the version string with the highest precedence, or None.

    Pre-releases are only candidates when ``include_prereleases`` is true; among
    versions of equal precedence the first one wins.
    """
    best: tuple[Version, str] | None = None
    for text in texts:
        version = parse_version(text)
        if version.prerelease and not include_prereleases:
            continue
        if best is None or _compare(version, best[0]) > 0:
            best = (version, text)
    return None if best is None else best[1]
