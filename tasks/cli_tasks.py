"""`debugbox tasks check` and `debugbox tasks import ...`: argument parsing and printed reports.

mcp_server/cli.py wires these in with `add_tasks_check_and_import(tasks_sub)`. The work itself is
in tasks.validator and tasks.importers; this module only parses, calls and prints (stdout is the
report, progress and warnings go to the log on stderr).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

import anyio

from tasks.loader import BUNDLED_PACK
from tasks.validator import CheckOptions, CheckReport, check_paths

DEFAULT_RUNS = 3


def default_concurrency() -> int:
    # Each task runs its episodes one after another; tasks in parallel. More than the CPUs
    # would inflate the measured test times that the timing rule judges.
    return max(2, os.cpu_count() or 2)


def _add_check_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--backend",
        choices=["auto", "docker", "local"],
        default="auto",
        help="sandbox backend for the check episodes: docker, local, or auto (docker when an engine answers)",
    )
    p.add_argument("--runs", type=int, default=DEFAULT_RUNS, help=f"repeated runs that must agree (default {DEFAULT_RUNS})")
    p.add_argument("--concurrency", type=int, default=default_concurrency(), help="tasks checked at once (default: CPUs, at least 2)")
    p.add_argument(
        "--time-margin",
        type=float,
        default=0.5,
        help="the solution's slowest test and run may use at most this fraction of the task's limits (default 0.5)",
    )


def add_tasks_check_and_import(tasks_subparsers) -> None:
    """Add `check` and `import humanevalpack|quixbugs` under the `debugbox tasks` subparsers."""
    check = tasks_subparsers.add_parser("check", help="prove tasks valid by playing real episodes (exit 1 if any is invalid)")
    check.add_argument("paths", nargs="*", metavar="PATH", help="task packs or task directories (default: the bundled pack)")
    _add_check_options(check)
    check.set_defaults(func=cmd_tasks_check)

    imp = tasks_subparsers.add_parser("import", help="convert a benchmark into a task pack")
    imp_sub = imp.add_subparsers(dest="import_format", required=True)
    he = imp_sub.add_parser("humanevalpack", help="HumanEvalPack / HumanEvalFix rows (JSON lines)")
    he.add_argument("source", metavar="FILE.jsonl")
    qb = imp_sub.add_parser("quixbugs", help="a QuixBugs checkout (python_programs/, correct_python_programs/, ...)")
    qb.add_argument("source", metavar="DIR")
    for p in (he, qb):
        p.add_argument("--out", required=True, metavar="DIR", help="the pack directory to write (created if missing)")
        p.add_argument("--limit", type=int, default=None, help="import at most this many tasks")
        p.add_argument("--force", action="store_true", help="replace task directories that already exist in --out")
        p.add_argument("--no-check", dest="check", action="store_false", help="skip `tasks check`; keep every task written")
        _add_check_options(p)
        p.set_defaults(func=cmd_tasks_import)


def _docker_settings(args: argparse.Namespace):
    """The server's DEBUGBOX_* container settings (image, memory, ...), with a warm pool as wide as
    the check's concurrency unless DEBUGBOX_POOL_SIZE says otherwise."""
    from mcp_server import config

    settings = config.docker_settings(args)
    if not os.environ.get("DEBUGBOX_POOL_SIZE", "").strip():
        settings = settings.model_copy(update={"pool_size": max(1, min(args.concurrency, 16))})
    return settings


def _options(args: argparse.Namespace) -> CheckOptions:
    if args.runs < 1 or args.concurrency < 1 or not 0 < args.time_margin <= 1:
        raise SystemExit("debugbox: --runs and --concurrency must be at least 1, and --time-margin in (0, 1]")
    return CheckOptions(
        backend=args.backend,
        runs=args.runs,
        concurrency=args.concurrency,
        time_margin=args.time_margin,
        docker_settings=_docker_settings(args) if args.backend != "local" else None,
    )


# -- check -----------------------------------------------------------------------------------


def _fraction(pairs: list[tuple[int, int]]) -> str:
    if not pairs:
        return "-"
    passed = sorted({p for p, _ in pairs})
    total = max(t for _, t in pairs)
    shown = str(passed[0]) if len(passed) == 1 else f"{passed[0]}-{passed[-1]}"
    return f"{shown}/{total}"


def _task_dir_name(path: Path) -> str:
    """The task directory a load error points into (the error may name a file deep inside it)."""
    parts = path.parts
    for i in range(len(parts) - 1, 0, -1):
        if parts[i] in ("src", "tests", "hidden_tests", "solution"):
            return parts[i - 1]
    return path.parent.name if path.name in ("task.toml", "description.md") else path.name


def format_report(report: CheckReport) -> str:
    """The check as an aligned plain-text table, then each invalid task's reasons."""
    header = ("TASK", "ORIG HIDDEN", "SOL VISIBLE", "SOL HIDDEN", "RUNS AGREE", "MAX TEST/LIMIT", "LEAKS", "VERDICT")
    rows = []
    for v in report.verdicts:
        agree = "-" if v.runs_agree is None else "yes" if v.runs_agree else "NO"
        timing = "-" if v.max_test_s is None else f"{v.max_test_s:.2f}/{v.test_timeout_s:g}s"
        rows.append(
            (v.task_id, _fraction(v.original_hidden), _fraction(v.solution_visible), _fraction(v.solution_hidden), agree, timing,
             str(len(v.leaks)) if v.leaks else "none", "ok" if v.valid else "INVALID")
        )
    for error in report.load_errors:
        rows.append((_task_dir_name(error.path), "-", "-", "-", "-", "-", "-", "INVALID"))
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [header, *rows]]
    problems = [(v.task_id, v.reasons) for v in report.verdicts if not v.valid]
    if problems or report.load_errors:
        lines.append("")
    for task_id, reasons in problems:
        lines.append(f"{task_id}:")
        lines += [f"  - {reason}" for reason in reasons]
    for error in report.load_errors:
        lines.append(f"load error: {error}")
    invalid = len(problems) + len(report.load_errors)
    lines.append("")
    lines.append(
        f"{len(report.verdicts) - len(problems)} valid, {invalid} invalid; backend {report.backend}; "
        f"{report.elapsed_s:.1f} s"
    )
    return "\n".join(lines)


def _quiet_expected_tool_errors() -> None:
    # The leak probe makes tool calls that must fail; the SDK logs each at INFO, which would
    # bury the check's own progress lines.
    logging.getLogger("mcp.server.mcpserver.server").setLevel(logging.WARNING)


def cmd_tasks_check(args: argparse.Namespace) -> int:
    _quiet_expected_tool_errors()
    paths = [Path(p) for p in args.paths] or [BUNDLED_PACK]
    report = anyio.run(check_paths, paths, _options(args))
    print(format_report(report))
    return 0 if report.ok else 1


# -- import ----------------------------------------------------------------------------------


def cmd_tasks_import(args: argparse.Namespace) -> int:
    from tasks.importers import run_import

    _quiet_expected_tool_errors()
    source, out = Path(args.source), Path(args.out)
    if not source.exists():
        print(f"debugbox: {source} does not exist", file=sys.stderr)
        return 2
    try:
        result = run_import(args.import_format, source, out, limit=args.limit, force=args.force, check=_options(args) if args.check else None)
    except OSError as exc:  # not a QuixBugs checkout, a directory given for a JSON-lines file, ...
        print(f"debugbox: cannot import {source}: {exc}", file=sys.stderr)
        return 2
    print(result.format())
    return 0 if result.imported else 1
