"""The whole report: sources (file name -> text) and a spec in, text out."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ledgerreport import aggregates
from ledgerreport.dialects import FileFormat, by_name, sniff
from ledgerreport.filters import where
from ledgerreport.grouping import group_by
from ledgerreport.pivot import pivot
from ledgerreport.reader import read_rows
from ledgerreport.render import errors_table, grouped_table, pivot_table
from ledgerreport.schema import SALES_SCHEMA, CellError, Schema

SAMPLES = Path(__file__).parent / "samples"


@dataclass(frozen=True)
class ReportSpec:
    group_by: tuple[str, ...] = ("region",)
    value: str = "amount"
    aggregates: tuple[str, ...] = ("sum",)
    conditions: tuple[str, ...] = ()
    pivot_on: str | None = None  # a column across: a pivot of the first aggregate instead
    with_share: bool = False
    title: str = "Sales"


@dataclass
class Loaded:
    records: list[dict] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)


def load_records(sources: dict[str, str], schema: Schema = SALES_SCHEMA, formats: dict[str, str] | None = None) -> Loaded:
    """Every source read in its own format (given by name in `formats`, else sniffed)."""
    loaded = Loaded()
    for name, text in sources.items():
        fmt: FileFormat = by_name(formats[name]) if formats and name in formats else sniff(text)
        records, errors = schema.apply(read_rows(text, fmt, source=name), fmt)
        loaded.records.extend(records)
        loaded.errors.extend(errors)
    return loaded


def load_samples() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(SAMPLES.glob("*.csv"))}


def summarise(records: list[dict], spec: ReportSpec) -> dict[tuple, dict[str, object]]:
    groups = group_by(records, spec.group_by)
    return {key: {name: aggregates.get(name)(members, spec.value) for name in spec.aggregates} for key, members in groups.items()}


def build_report(sources: dict[str, str], spec: ReportSpec = ReportSpec(), schema: Schema = SALES_SCHEMA) -> str:
    loaded = load_records(sources, schema)
    records = where(loaded.records, *spec.conditions)
    parts = [f"# {spec.title}", ""]
    if spec.pivot_on:
        parts.append(pivot_table(pivot(records, spec.group_by[0], spec.pivot_on, spec.value, spec.aggregates[0])))
    else:
        shares = aggregates.share_of_total(group_by(records, spec.group_by), spec.value) if spec.with_share else None
        parts.append(grouped_table(summarise(records, spec), spec.group_by, list(spec.aggregates), shares))
    if loaded.errors:
        parts += ["", f"{len(loaded.errors)} row(s) left out:", errors_table(loaded.errors)]
    return "\n".join(parts) + "\n"
