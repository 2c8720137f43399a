"""A two-way table: one key column down, one across, an aggregate in every cell."""

from __future__ import annotations

from dataclasses import dataclass, field

from ledgerreport import aggregates
from ledgerreport.grouping import distinct, group_by


@dataclass
class Pivot:
    row_key: str
    column_key: str
    rows: list = field(default_factory=list)
    columns: list = field(default_factory=list)
    cells: dict[tuple, object] = field(default_factory=dict)  # (row, column) -> value
    row_totals: dict = field(default_factory=dict)
    column_totals: dict = field(default_factory=dict)
    grand_total: object = None

    def cell(self, row, column, default=None):
        return self.cells.get((row, column), default)


def pivot(records: list[dict], row_key: str, column_key: str, value: str, how: str = "sum") -> Pivot:
    aggregate = aggregates.get(how)
    table = Pivot(row_key, column_key, distinct(records, row_key), distinct(records, column_key))
    for (row, column), members in group_by(records, (row_key, column_key)).items():
        table.cells[(row, column)] = aggregate(members, value)
    for row, members in group_by(records, (row_key,)).items():
        table.row_totals[row[0]] = aggregate(members, value)
    for column, members in group_by(records, (column_key,)).items():
        table.column_totals[column[0]] = aggregate(members, value)
    table.grand_total = aggregate(records, value)
    return table
