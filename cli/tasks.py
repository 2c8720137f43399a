"""`debugbox tasks list | show | check | import ...`: argument parsing and printed reports.

The work itself is in tasks/ (the catalog, the importers) and harness/checker/ (the check); this
module parses, calls and prints (stdout is the report; progress and warnings go to the log on
stderr). It also starts the server the checker plays its episodes on (`in_process_server`): the
checker is a client and may not import the server, so the top floor, which may, supplies it.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import anyio

from cli import settings
from cli.settings import default_baseline_cache_dir
from cli.common import add_tasks_option, load_tasks
from harness.checker.check import CheckOptions, check_paths, check_tasks
from harness.checker.play import EPISODE_STEPS
from harness.checker.recording import RecordingProvider
from harness.checker.report import format_report
from tasks.loader import SHIPPED_PACKS, Catalog, resolve_pack
from tasks.model import DIFFICULTIES

DEFAULT_RUNS = 3


def default_concurrency() -> int:
    # Each task runs its episodes one after another; tasks in parallel. More than the CPUs
    # would inflate the measured test times that the timing rule judges.
    return max(2, os.cpu_count() or 2)


def add_parser(sub) -> None:
    tasks = sub.add_parser("tasks", help="inspect task packs")
    tasks_sub = tasks.add_subparsers(dest="tasks_command", required=True)
    tl = tasks_sub.add_parser("list", help="list the tasks")
    tl.add_argument("--difficulty", choices=DIFFICULTIES)
    tl.add_argument("--tag")
    add_tasks_option(tl)
    tl.set_defaults(func=cmd_tasks_list)
    ts = tasks_sub.add_parser("show", help="show one task")
    ts.add_argument("task_id")
    add_tasks_option(ts)
    ts.set_defaults(func=cmd_tasks_show)
    add_tasks_check_and_import(tasks_sub)
    from cli import synthesize

    synthesize.add_parser(tasks_sub, _add_check_options)


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
    check.add_argument("paths", nargs="*", metavar="PATH", help="task packs or task directories, or a shipped pack by name: bundled, repos (default: both)")
    _add_check_options(check)
    check.set_defaults(func=cmd_tasks_check)

    imp = tasks_subparsers.add_parser("import", help="convert a benchmark into a task pack")
    imp_sub = imp.add_subparsers(dest="import_format", required=True)
    he = imp_sub.add_parser("humanevalpack", help="HumanEvalPack / HumanEvalFix rows (JSON lines)")
    he.add_argument("source", metavar="FILE.jsonl")
    qb = imp_sub.add_parser("quixbugs", help="a QuixBugs checkout (python_programs/, correct_python_programs/, ...)")
    qb.add_argument("source", metavar="DIR")
    sw = imp_sub.add_parser("swebench", help="SWE-bench-format instances (JSON lines) and a directory of repository checkouts")
    sw.add_argument("source", metavar="INSTANCES.jsonl")
    sw.add_argument("--repos", metavar="DIR", help="git checkouts: DIR/<owner>__<name>, DIR/<owner>/<name> or DIR/<name>; an instance with no checkout there is read from its image_name (the repository at /testbed)")
    sw.add_argument("--editable", choices=["source", "patch"], default="source", help="every non-test Python file (default) or only the files the gold patch changes")
    sw.add_argument("--seed", type=int, default=0, help="seeds the sample of PASS_TO_PASS tests made visible")
    for p in (he, qb, sw):
        p.add_argument("--out", required=True, metavar="DIR", help="the pack directory to write (created if missing)")
        p.add_argument("--limit", type=int, default=None, help="import at most this many tasks")
        p.add_argument("--force", action="store_true", help="replace task directories that already exist in --out")
        p.add_argument("--no-check", dest="check", action="store_false", help="skip `tasks check`; keep every task written")
        _add_check_options(p)
        p.set_defaults(func=cmd_tasks_import)


# -- list, show --------------------------------------------------------------------------------


def cmd_tasks_list(args: argparse.Namespace) -> int:
    catalog = load_tasks(args)
    tasks = catalog.select(args.difficulty, args.tag)
    for task in tasks:
        spec = task.spec
        print(f"{spec.id:<40} {spec.difficulty.value:<7} {spec.title}  [{', '.join(spec.tags)}]")
    print(f"{len(tasks)} tasks" + (f", {len(catalog.errors)} rejected (see the warnings above)" if catalog.errors else ""))
    return 1 if catalog.errors else 0


def cmd_tasks_show(args: argparse.Namespace) -> int:
    catalog = load_tasks(args)
    task = catalog.get(args.task_id)
    if task is None:
        print(f"error: no task {args.task_id!r}; `debugbox tasks list` shows the ids", file=sys.stderr)
        return 2
    spec = task.spec
    print(f"{spec.title}\n  id: {spec.id}\n  difficulty: {spec.difficulty.value}\n  kind: {spec.kind.value}")
    print(f"  tags: {', '.join(spec.tags)}\n  editable: {', '.join(spec.editable)}\n  main file: {spec.main_file}")
    print(f"  visible tests: {', '.join(sorted(task.test_files))}\n  hidden tests: {len(task.hidden_test_files)} file(s)")
    print(f"  max steps: {spec.max_steps}; timeouts: {spec.test_timeout_s:g} s per test, {spec.run_timeout_s:g} s per run")
    print(f"  from: {task.origin}\n\n{task.description.strip()}")
    return 0


# -- check, import -----------------------------------------------------------------------------


@asynccontextmanager
async def in_process_server(catalog: Catalog, provider: RecordingProvider, *, max_episodes: int = 256) -> AsyncIterator[Any]:
    """The checker's connector: debugbox's own MCP server, in this process, serving `catalog` with
    `provider`; `mcp.Client` connects to the server object over an in-memory transport."""
    from environment.runtime import running
    from environment.service import DebugService
    from environment.settings import ServiceSettings
    from mcp_server.server import build_server

    # max_steps_limit: the checker's episodes ask for EPISODE_STEPS, which a server's default cap would cut.
    # The originals measured here are cached on disk for the servers that serve these tasks later.
    settings = ServiceSettings(max_episodes=max_episodes, max_steps_limit=EPISODE_STEPS, baseline_cache_dir=default_baseline_cache_dir(os.environ))
    service = DebugService(catalog, provider, settings)
    server = build_server(service)
    async with running(service):
        yield server


def _connector(options: CheckOptions):
    # Room for every task checked at once, with slack for the episodes a failed check leaves open.
    return partial(in_process_server, max_episodes=max(256, 4 * options.concurrency))


def _docker_settings(args: argparse.Namespace):
    """The server's DEBUGBOX_* container settings (image, memory, ...), with a warm pool as wide as
    the check's concurrency unless DEBUGBOX_POOL_SIZE says otherwise."""
    docker_settings = settings.docker_settings(args)
    if not os.environ.get("DEBUGBOX_POOL_SIZE", "").strip():
        docker_settings = docker_settings.model_copy(update={"pool_size": max(1, min(args.concurrency, 16))})
    return docker_settings


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


def _quiet_expected_tool_errors() -> None:
    # The leak probe makes tool calls that must fail; the SDK logs each at INFO, which would
    # bury the check's own progress lines.
    logging.getLogger("mcp.server.mcpserver.server").setLevel(logging.WARNING)


def cmd_tasks_check(args: argparse.Namespace) -> int:
    _quiet_expected_tool_errors()
    paths = [resolve_pack(p) for p in args.paths] or list(SHIPPED_PACKS.values())
    options = _options(args)
    report = anyio.run(check_paths, paths, options, _connector(options))
    print(format_report(report))
    return 0 if report.ok else 1


def cmd_tasks_import(args: argparse.Namespace) -> int:
    from tasks.importers import run_import

    _quiet_expected_tool_errors()
    source, out = Path(args.source), Path(args.out)
    if not source.exists():
        print(f"debugbox: {source} does not exist", file=sys.stderr)
        return 2
    check = None
    if args.check:
        options = _options(args)
        check = partial(check_tasks, options=options, connect=_connector(options))
    try:
        options = {"repos": Path(args.repos) if args.repos else None, "scope": args.editable, "seed": args.seed} if args.import_format == "swebench" else None
        result = run_import(args.import_format, source, out, limit=args.limit, force=args.force, check=check, options=options, time_margin=args.time_margin)
    except OSError as exc:  # not a QuixBugs checkout, a directory given for a JSON-lines file, ...
        print(f"debugbox: cannot import {source}: {exc}", file=sys.stderr)
        return 2
    print(result.format())
    return 0 if result.imported else 1
