"""`debugbox tasks synthesize`: tasks made from real packages' sources and their own tests (issue 19).

The work is in tasks/synthesis/; this module parses, shows progress (rich, on stderr), runs `tasks
check` over the tasks written (moving each invalid one to DIR/.rejected/ with its reasons, as
`tasks import` does) and prints the report. `--default-pack` builds the pinned "synthesized" pack.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from functools import partial
from pathlib import Path

import anyio
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tasks.importers.common import reject
from tasks.loader import InvalidTask, load_task
from tasks.synthesis.pipeline import PackageReport, State, synthesize
from tasks.synthesis.recipes import DEFAULT_COUNT, DEFAULT_RECIPES, DEFAULT_SEED
from tasks.synthesis.sdist import SdistError, parse_pin


def default_cache() -> Path:
    return Path(os.environ.get("DEBUGBOX_SYNTHESIS_CACHE") or Path.home() / ".cache" / "debugbox" / "synthesis")


def add_parser(tasks_subparsers, add_check_options) -> None:
    p = tasks_subparsers.add_parser("synthesize", help="make tasks by injecting bugs into real packages that their own tests catch")
    p.add_argument("--package", action="append", default=[], metavar="NAME==VERSION", help="a pure-Python package whose sdist ships its tests (repeatable)")
    p.add_argument("--default-pack", action="store_true", help=f"the pinned packages of the default 'synthesized' pack ({', '.join(r.requirement for r in DEFAULT_RECIPES)})")
    p.add_argument("--out", required=True, metavar="DIR", help="the pack directory to write (a second run continues it)")
    p.add_argument("--count", type=int, default=None, help=f"tasks per package (default 3; {DEFAULT_COUNT} with --default-pack)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"the seed every choice follows (default {DEFAULT_SEED})")
    p.add_argument("--workers", type=int, default=None, help="candidates evaluated at once (default: the CPU count)")
    p.add_argument("--cache", default=None, metavar="DIR", help="sdists and venvs (default ~/.cache/debugbox/synthesis or DEBUGBOX_SYNTHESIS_CACHE)")
    p.add_argument("--no-check", dest="check", action="store_false", help="skip `tasks check` on the tasks written")
    add_check_options(p)
    p.set_defaults(func=cmd_tasks_synthesize)


def _requirements(args: argparse.Namespace) -> list[str]:
    requirements = list(args.package)
    if args.default_pack:
        requirements += [r.requirement for r in DEFAULT_RECIPES if r.requirement not in requirements]
    if not requirements:
        raise SdistError("name at least one --package NAME==VERSION, or --default-pack")
    for requirement in requirements:
        parse_pin(requirement)
    return requirements


def format_reports(reports: list[PackageReport], elapsed_s: float) -> str:
    lines = ["PACKAGE                     TASKS  TRIED  EASY  MEDIUM  HARD  REJECTED (by reason)"]
    for r in reports:
        if r.error:
            lines.append(f"{r.requirement:<27} error: {r.error}")
            continue
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(r.rejected.items())) or "-"
        d = r.difficulty
        lines.append(f"{r.requirement:<27} {len(r.written):>5}  {r.tried:>5}  {d['easy']:>4}  {d['medium']:>6}  {d['hard']:>4}  {reasons}")
    made = sum(len(r.written) for r in reports)
    tried = sum(r.tried for r in reports)
    rate = (sum(r.difficulty.total() for r in reports) / (elapsed_s / 60)) if elapsed_s > 0 else 0.0
    lines.append(f"{made} task(s) in the pack; {tried} candidate(s) tried this run; {rate:.1f} new tasks per minute ({elapsed_s:.0f} s)")
    return "\n".join(lines)


def _check_new(out: Path, state: State, args: argparse.Namespace) -> tuple[int, list[str]]:
    """Check the tasks no earlier run checked; invalid ones go to DIR/.rejected/. (valid, rejected lines)"""
    from cli.tasks import _connector, _options, _quiet_expected_tool_errors
    from harness.checker.check import check_tasks

    _quiet_expected_tool_errors()
    checked = state.data.setdefault("checked", {})
    written = sorted(t for p in state.data["packages"].values() for t in p["written"] if t not in checked and (out / t / "task.toml").is_file())
    tasks, rejected = [], []
    for tid in written:
        try:
            tasks.append(load_task(out / tid))
        except InvalidTask as exc:
            reject(out / tid, out, [str(exc)])
            checked[tid] = f"not loadable: {exc}"
            rejected.append(f"  {tid}: not loadable: {exc}")
    if tasks:
        options = _options(args)
        report = anyio.run(partial(check_tasks, tasks, options, _connector(options)))
        for verdict in report.verdicts:
            checked[verdict.task_id] = "valid" if verdict.valid else "; ".join(verdict.reasons)
            if not verdict.valid:
                reject(out / verdict.task_id, out, verdict.reasons)
                rejected.append(f"  {verdict.task_id}: {'; '.join(verdict.reasons)}")
    state.save()
    valid = sum(1 for tid, verdict in checked.items() if verdict == "valid" and (out / tid).is_dir())
    return valid, rejected


def cmd_tasks_synthesize(args: argparse.Namespace) -> int:
    try:
        requirements = _requirements(args)
    except SdistError as exc:
        print(f"debugbox: {exc}", file=sys.stderr)
        return 2
    count = args.count if args.count is not None else (DEFAULT_COUNT if args.default_pack else 3)
    if count < 1 or (args.workers is not None and args.workers < 1):
        print("debugbox: --count and --workers must be at least 1", file=sys.stderr)
        return 2
    out, cache = Path(args.out), Path(args.cache) if args.cache else default_cache()
    console = Console(stderr=True)
    started = time.monotonic()
    columns = (TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as bar:
        bars = {}

        def progress(requirement: str, written: int, wanted: int) -> None:
            if requirement not in bars:
                bars[requirement] = bar.add_task(requirement, total=wanted)
            bar.update(bars[requirement], completed=written)

        reports = synthesize(requirements, out, count=count, seed=args.seed, cache=cache, workers=args.workers, progress=progress)
    print(format_reports(reports, time.monotonic() - started))
    if not args.check:
        return 0 if any(r.written for r in reports) else 1
    console.print("checking the new tasks with `debugbox tasks check` ...", highlight=False)
    valid, rejected = _check_new(out, State(out, args.seed), args)
    if rejected:
        print(f"rejected by `tasks check` ({len(rejected)}; moved to {out / '.rejected'}):")
        print("\n".join(rejected))
    print(f"{valid} valid task(s) in {out}")
    return 0 if valid else 1
