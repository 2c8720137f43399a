"""Columns, their kinds, and typed records.

A record is a dict: the typed value of every column of the schema, plus `quarter` and `month`
derived from the first date column, plus `_source`/`_line`. A cell that cannot be read is an
error naming the file, line and column; its row is left out and the others are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ledgerreport import coerce
from ledgerreport.dialects import FileFormat

KINDS = ("text", "amount", "date", "int", "percent")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"
    required: bool = True
    default: object = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name!r}: unknown kind {self.kind!r} (kinds: {', '.join(KINDS)})")


@dataclass(frozen=True)
class CellError:
    source: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.column}: {self.message}"


@dataclass
class Schema:
    columns: list[Column] = field(default_factory=list)

    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def _convert(self, column: Column, raw: str, fmt: FileFormat):
        if column.kind == "text":
            return raw
        if column.kind == "amount":
            return coerce.parse_amount(raw, fmt.decimal_sep, fmt.thousands_sep)
        if column.kind == "date":
            return coerce.parse_date(raw, fmt.date_format)
        if column.kind == "int":
            return coerce.parse_int(raw)
        return coerce.parse_percent(raw, fmt.decimal_sep)

    def apply(self, rows: list[dict[str, str]], fmt: FileFormat) -> tuple[list[dict], list[CellError]]:
        records, errors = [], []
        if rows:
            missing = [c.name for c in self.columns if c.required and c.name not in rows[0]]
            if missing:
                source = rows[0].get("_source", "")
                return [], [CellError(source, 1, name, "column missing from the header") for name in missing]
        for row in rows:
            record: dict = {"_source": row.get("_source", ""), "_line": int(row.get("_line", 0) or 0)}
            ok = True
            for column in self.columns:
                raw = row.get(column.name, "")
                if raw == "":
                    if column.required:
                        errors.append(CellError(record["_source"], record["_line"], column.name, "empty"))
                        ok = False
                    record[column.name] = column.default
                    continue
                try:
                    record[column.name] = self._convert(column, raw, fmt)
                except ValueError as exc:
                    errors.append(CellError(record["_source"], record["_line"], column.name, str(exc)))
                    ok = False
            if ok:
                first_date = next((record[c.name] for c in self.columns if c.kind == "date" and record.get(c.name)), None)
                if first_date is not None:
                    record["quarter"] = coerce.quarter_of(first_date)
                    record["month"] = first_date.strftime("%Y-%m")
                records.append(record)
        return records, errors


SALES_SCHEMA = Schema(
    [
        Column("date", "date"),
        Column("branch"),
        Column("region"),
        Column("product"),
        Column("quantity", "int"),
        Column("amount", "amount"),
        Column("discount", "percent", required=False, default=Decimal(0)),
    ]
)
