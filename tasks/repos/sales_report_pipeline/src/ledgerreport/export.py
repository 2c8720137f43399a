"""Summaries as CSV (for the spreadsheet people) and as JSON-ready rows (for the dashboard)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from ledgerreport.pivot import Pivot


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return format(value.quantize(Decimal("0.01")), "f")
    return "" if value is None else value


def summary_csv(summary: dict[tuple, dict[str, object]], keys: tuple[str, ...], delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    columns = list(next(iter(summary.values()), {}).keys())
    writer.writerow([*keys, *columns])
    for key, values in summary.items():
        writer.writerow([*key, *(_plain(values[c]) for c in columns)])
    return out.getvalue()


def summary_rows(summary: dict[tuple, dict[str, object]], keys: tuple[str, ...]) -> list[dict[str, object]]:
    rows = []
    for key, values in summary.items():
        row = dict(zip(keys, (str(k) for k in key)))
        row.update({name: _plain(value) for name, value in values.items()})
        rows.append(row)
    return rows


def pivot_csv(table: Pivot, delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow([table.row_key, *table.columns, "total"])
    for row in table.rows:
        writer.writerow([row, *(_plain(table.cell(row, c)) for c in table.columns), _plain(table.row_totals.get(row))])
    writer.writerow(["total", *(_plain(table.column_totals.get(c)) for c in table.columns), _plain(table.grand_total)])
    return out.getvalue()
