"""`python -m taskgraph.cli [--jobfile F] run|plan|graph [SELECTION...]`.

The workspace is the current directory: inputs are read from it and outputs written back;
the cache lives in `.taskgraph-cache.json`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from taskgraph.cache import BuildCache
from taskgraph.dot import to_dot
from taskgraph.errors import TaskgraphError
from taskgraph.executor import Executor
from taskgraph.graph import Graph
from taskgraph.parser import parse_jobfile
from taskgraph.planner import simulate
from taskgraph.report import render, render_schedule
from taskgraph.selectors import select, with_prerequisites

CACHE_FILE = ".taskgraph-cache.json"


def _graph(args: argparse.Namespace) -> Graph:
    return Graph(parse_jobfile(Path(args.jobfile).read_text(encoding="utf-8")))


def _workspace(root: Path, graph: Graph) -> dict[str, str]:
    files = {}
    for job in graph.jobs.values():
        for path in (*job.inputs, *job.outputs):
            target = root / path
            if target.is_file():
                files[path] = target.read_text(encoding="utf-8")
    return files


def cmd_run(args: argparse.Namespace) -> int:
    graph = _graph(args)
    root = Path(args.root)
    cache_path = root / CACHE_FILE
    cache = BuildCache.from_json(cache_path.read_text(encoding="utf-8")) if cache_path.is_file() else BuildCache()
    executor = Executor(graph, _workspace(root, graph), cache)
    report = executor.run(args.selection, force=args.force, keep_going=args.keep_going)
    for name in report.ran:
        for path in graph.job(name).outputs:
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(executor.files[path], encoding="utf-8")
    cache_path.write_text(executor.cache.to_json(), encoding="utf-8")
    print(render(report, verbose=args.verbose), end="")
    return 0 if report.ok else 1


def cmd_plan(args: argparse.Namespace) -> int:
    graph = _graph(args)
    chosen = with_prerequisites(graph, select(graph, args.selection))
    print(render_schedule(simulate(graph, chosen, workers=args.workers)), end="")
    return 0


def cmd_graph(args: argparse.Namespace) -> int:
    graph = _graph(args)
    print(to_dot(graph, select(graph, args.selection) if args.selection else set()), end="")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="taskgraph")
    parser.add_argument("--jobfile", default="Jobfile")
    parser.add_argument("--root", default=".")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run")
    run.add_argument("--force", action="store_true")
    run.add_argument("--keep-going", action="store_true")
    run.add_argument("-v", "--verbose", action="store_true")
    run.set_defaults(func=cmd_run)
    plan = sub.add_parser("plan")
    plan.add_argument("--workers", type=int, default=2)
    plan.set_defaults(func=cmd_plan)
    sub.add_parser("graph").set_defaults(func=cmd_graph)
    for p in sub.choices.values():
        p.add_argument("selection", nargs="*")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (TaskgraphError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
