"""Tables with tabulate. Numbers are formatted here (not by tabulate) so that amounts keep their
accounting style and columns of numbers are right-aligned."""

from __future__ import annotations

from tabulate import tabulate

from ledgerreport.formatting import cell, percent
from ledgerreport.pivot import Pivot

TABLE_FORMAT = "github"


def _align(rows: list[list], header_count: int, key_count: int) -> tuple[str, ...]:
    return tuple("left" if i < key_count else "right" for i in range(header_count))


def grouped_table(groups: dict[tuple, dict[str, object]], keys: tuple[str, ...], columns: list[str], shares: dict | None = None) -> str:
    """One row per group: its key values, then each aggregate, then (if given) its share."""
    headers = [*keys, *columns] + (["share"] if shares is not None else [])
    rows = []
    for key, values in groups.items():
        row = [str(k) for k in key] + [cell(values[c]) for c in columns]
        if shares is not None:
            row.append(percent(shares.get(key)))
        rows.append(row)
    return tabulate(rows, headers=headers, tablefmt=TABLE_FORMAT, disable_numparse=True, colalign=_align(rows, len(headers), len(keys)))


def pivot_table(table: Pivot) -> str:
    headers = [table.row_key, *[str(c) for c in table.columns], "total"]
    rows = []
    for row in table.rows:
        rows.append([str(row), *[cell(table.cell(row, c)) for c in table.columns], cell(table.row_totals.get(row))])
    rows.append(["total", *[cell(table.column_totals.get(c)) for c in table.columns], cell(table.grand_total)])
    return tabulate(rows, headers=headers, tablefmt=TABLE_FORMAT, disable_numparse=True, colalign=_align(rows, len(headers), 1))


def errors_table(errors) -> str:
    rows = [[e.source, e.line, e.column, e.message] for e in errors]
    return tabulate(rows, headers=["file", "line", "column", "problem"], tablefmt=TABLE_FORMAT, disable_numparse=True)
