"""`python -m ledgerreport.cli FILE... [--by region,quarter] [--agg sum,count] [--where amount>100]
[--pivot quarter] [--csv] [--check]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ledgerreport.export import pivot_csv, summary_csv
from ledgerreport.pipeline import ReportSpec, build_report, load_records, summarise
from ledgerreport.filters import where
from ledgerreport.pivot import pivot
from ledgerreport.reader import ReadError
from ledgerreport.validate import check_all, duplicates


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ledgerreport")
    parser.add_argument("files", nargs="+")
    parser.add_argument("--by", default="region", help="key columns, comma-separated")
    parser.add_argument("--agg", default="sum", help="aggregates, comma-separated")
    parser.add_argument("--value", default="amount")
    parser.add_argument("--where", action="append", default=[], help="a condition such as amount>100 (repeatable)")
    parser.add_argument("--pivot", help="a column across")
    parser.add_argument("--share", action="store_true", help="add each group's share of the total")
    parser.add_argument("--csv", action="store_true", help="CSV instead of a table")
    parser.add_argument("--check", action="store_true", help="list business-rule warnings and duplicates instead")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        sources = {Path(f).name: Path(f).read_text(encoding="utf-8") for f in args.files}
        spec = ReportSpec(_split(args.by), args.value, _split(args.agg), tuple(args.where), args.pivot, args.share)
        if args.check:
            records = load_records(sources).records
            for warning in check_all(records):
                print(warning)
            for first, second in duplicates(records):
                print(f"{second['_source']}:{second['_line']}: duplicate of {first['_source']}:{first['_line']}")
            return 0
        if args.csv:
            records = where(load_records(sources).records, *spec.conditions)
            if spec.pivot_on:
                print(pivot_csv(pivot(records, spec.group_by[0], spec.pivot_on, spec.value, spec.aggregates[0])), end="")
            else:
                print(summary_csv(summarise(records, spec), spec.group_by), end="")
            return 0
        print(build_report(sources, spec), end="")
        return 0
    except (OSError, ReadError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
