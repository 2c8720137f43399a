"""CSV text -> rows of strings keyed by normalised header names."""

from __future__ import annotations

import csv
import io
import re

from ledgerreport.dialects import FileFormat


class ReadError(ValueError):
    def __init__(self, message: str, source: str = "", line: int | None = None):
        self.source, self.line = source, line
        where = f"{source}:{line}: " if source and line else (f"{source}: " if source else "")
        super().__init__(where + message)


# The EU tills export German headers.
HEADER_ALIASES = {"datum": "date", "filiale": "branch", "produkt": "product", "menge": "quantity", "betrag": "amount", "rabatt": "discount"}


def normalise_header(name: str) -> str:
    """'Unit Price (EUR)' -> 'unit_price_eur'; known foreign names -> the schema's."""
    key = re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")
    return HEADER_ALIASES.get(key, key)


def read_rows(text: str, fmt: FileFormat, source: str = "") -> list[dict[str, str]]:
    """Rows as dicts; blank lines and lines starting with '#' are skipped. Each row also gets
    `_source` and `_line` (where it came from, for error messages)."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise ReadError("no header line", source)
    reader = csv.reader(io.StringIO("\n".join(line for _, line in lines)), delimiter=fmt.delimiter)
    rows = list(reader)
    header = [normalise_header(h) for h in rows[0]]
    if len(set(header)) != len(header):
        raise ReadError(f"duplicate column names: {header}", source, lines[0][0])
    out = []
    for (line_no, _), cells in zip(lines[1:], rows[1:]):
        if len(cells) != len(header):
            raise ReadError(f"{len(cells)} fields, the header has {len(header)}", source, line_no)
        row = {name: cell.strip() for name, cell in zip(header, cells)}
        row["_source"], row["_line"] = source, str(line_no)
        out.append(row)
    return out
