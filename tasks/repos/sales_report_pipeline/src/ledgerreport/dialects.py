"""File formats of the branch exports, and telling them apart."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class FileFormat:
    name: str
    delimiter: str = ","
    decimal_sep: str = "."
    thousands_sep: str = ","
    date_format: str = "%Y-%m-%d"

    def __post_init__(self) -> None:
        if self.decimal_sep == self.thousands_sep:
            raise ValueError(f"format {self.name!r}: the decimal and thousands separators must differ")


US = FileFormat("us", ",", ".", ",", "%m/%d/%Y")
EU = FileFormat("eu", ";", ",", ".", "%d.%m.%Y")
ISO = FileFormat("iso", ",", ".", "", "%Y-%m-%d")
FORMATS = {f.name: f for f in (US, EU, ISO)}

_US_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b")
_EU_DATE = re.compile(r"\b\d{1,2}\.\d{1,2}\.\d{4}\b")


def sniff(text: str) -> FileFormat:
    """The format of an export, from its first lines: EU files separate fields with ';' and
    write dates as 31.12.2024; US files use ',' and 12/31/2024; anything else is ISO."""
    head = "\n".join(text.splitlines()[:10])
    if head.count(";") > head.count(",") or _EU_DATE.search(head):
        return EU
    if _US_DATE.search(head):
        return US
    return ISO


def by_name(name: str) -> FileFormat:
    try:
        return FORMATS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown file format {name!r} (formats: {', '.join(FORMATS)})") from None
