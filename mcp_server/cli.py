"""The `debugbox` command line: serve, demo, tasks."""

from __future__ import annotations

import argparse
import logging
import sys

import anyio

from tasks.loader import Catalog, load_catalog

log = logging.getLogger("debugbox")


def _load_catalog(args: argparse.Namespace) -> Catalog:
    catalog = load_catalog(args.tasks)
    for error in catalog.errors:
        log.warning("task rejected: %s", error)
    return catalog


def cmd_serve(args: argparse.Namespace) -> int:
    from mcp_server.server import build_server
    from mcp_server.service import DebugService, ServiceSettings
    from sandbox.factory import make_provider

    catalog = _load_catalog(args)
    provider = make_provider(args.backend)
    service = DebugService(catalog, provider, ServiceSettings(max_episodes=args.max_episodes))
    server = build_server(service)
    log.info("debugbox serving %d tasks on %s with the %s backend", len(catalog.tasks), args.transport, provider.backend)

    async def main() -> None:
        try:
            if args.transport == "stdio":
                await server.run_stdio_async()
            else:
                await server.run_streamable_http_async(host=args.host, port=args.port, streamable_http_path="/mcp")
        finally:
            with anyio.CancelScope(shield=True):
                await service.aclose()
                await provider.aclose()

    try:
        anyio.run(main)
    except KeyboardInterrupt:
        pass
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    # The demo is a client: it lives in harness/ and reaches the server only over MCP.
    from harness.demo import run_demo

    return anyio.run(run_demo, args.task, args.backend, args.tasks)


def cmd_tasks_list(args: argparse.Namespace) -> int:
    catalog = _load_catalog(args)
    tasks = catalog.select(args.difficulty, args.tag)
    for task in tasks:
        spec = task.spec
        print(f"{spec.id:<40} {spec.difficulty.value:<7} {spec.title}  [{', '.join(spec.tags)}]")
    print(f"{len(tasks)} tasks" + (f", {len(catalog.errors)} rejected (see the warnings above)" if catalog.errors else ""))
    return 1 if catalog.errors else 0


def cmd_tasks_show(args: argparse.Namespace) -> int:
    catalog = _load_catalog(args)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="debugbox", description="An MCP server that gives agents a code-debugging sandbox.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging (on stderr)")
    sub = parser.add_subparsers(dest="command", required=True)

    def add_tasks_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--tasks", action="append", default=[], metavar="DIR", help="an extra task pack (repeatable; also DEBUGBOX_TASKS)")

    def add_backend_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--backend", choices=["auto", "docker", "local"], default="local", help="where code runs")

    serve = sub.add_parser("serve", help="run the MCP server")
    serve.add_argument("--transport", choices=["stdio", "http"], default="stdio")
    serve.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default loopback)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--max-episodes", type=int, default=256, help="episodes running at once")
    add_tasks_option(serve)
    add_backend_option(serve)
    serve.set_defaults(func=cmd_serve)

    demo = sub.add_parser("demo", help="solve one task end to end through a real MCP client")
    demo.add_argument("--task", default="binary_search_off_by_one")
    add_tasks_option(demo)
    add_backend_option(demo)
    demo.set_defaults(func=cmd_demo)

    tasks = sub.add_parser("tasks", help="inspect task packs")
    tasks_sub = tasks.add_subparsers(dest="tasks_command", required=True)
    tl = tasks_sub.add_parser("list", help="list the tasks")
    tl.add_argument("--difficulty", choices=["easy", "medium", "hard"])
    tl.add_argument("--tag")
    add_tasks_option(tl)
    tl.set_defaults(func=cmd_tasks_list)
    ts = tasks_sub.add_parser("show", help="show one task")
    ts.add_argument("task_id")
    add_tasks_option(ts)
    ts.set_defaults(func=cmd_tasks_show)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
