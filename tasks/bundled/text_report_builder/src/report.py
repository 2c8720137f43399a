"""Build plain-text reports from headings, lines and aligned tables."""

from collections.abc import Iterable, Sequence
from typing import Any


class TextReport:
    """A report that grows line by line and renders to plain text."""

    def __init__(self) -> None:
        self._text = ""
        self.line_count = 0

    def line(self, text: str = "") -> None:
        """Add one line of text."""
        self._text += text + "\n"
        self.line_count += 1

    def heading(self, title: str) -> None:
        """Add a title underlined with ``=`` and followed by an empty line."""
        self.line(title)
        self.line("=" * len(title))
        self.line()

    def table(self, headers: Sequence[Any], rows: Iterable[Sequence[Any]]) -> None:
        """Add a table whose columns are as wide as their widest cell."""
        header_cells = [str(cell) for cell in headers]
        body = [[str(cell) for cell in row] for row in rows]
        for row in body:
            if len(row) != len(header_cells):
                raise ValueError(f"row {row!r} has {len(row)} cells, expected {len(header_cells)}")
        widths = [len(cell) for cell in header_cells]
        self.line(self._format_row(header_cells, widths))
        self.line("  ".join("-" * width for width in widths))
        for row in body:
            self.line(self._format_row(row, widths))

    @staticmethod
    def _format_row(cells: Sequence[str], widths: Sequence[int]) -> str:
        """Pad every cell to its column width and join them with two spaces."""
        padded = [cell.ljust(width) for cell, width in zip(cells, widths)]
        return "  ".join(padded).rstrip()

    def render(self) -> str:
        """Return the whole report, one ``\\n``-terminated line per added line."""
        return self._text
