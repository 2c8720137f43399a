"""The `debugbox` command line: serve, demo, tasks, image, cleanup, status."""

from __future__ import annotations

import argparse
import gc
import logging
import sys

import anyio

from mcp_server import config
from tasks.cli_tasks import add_tasks_check_and_import
from tasks.loader import Catalog, load_catalog

log = logging.getLogger("debugbox")
# On SIGTERM, calls in flight get this long to finish; under `docker stop`'s default 10 s, so that
# removing the sandboxes still fits before its SIGKILL.
DRAIN_GRACE_S = 5.0


def _load_catalog(args: argparse.Namespace) -> Catalog:
    catalog = load_catalog(args.tasks)
    for error in catalog.errors:
        log.warning("task rejected: %s", error)
    return catalog


def cmd_serve(args: argparse.Namespace) -> int:
    from mcp_server.runtime import running
    from mcp_server.server import build_server
    from mcp_server.service import DebugService
    from sandbox.factory import make_provider

    service_settings = config.service_settings(args)
    docker_settings = config.docker_settings(args) if args.backend != "local" else None
    security = config.http_security(args) if args.transport == "http" else None
    catalog = _load_catalog(args)
    provider = make_provider(args.backend, docker_settings)
    service = DebugService(catalog, provider, service_settings)
    server = build_server(service, security=security)
    log.info("debugbox serving %d tasks over %s with the %s backend", len(catalog.tasks), args.transport, provider.backend)
    # Everything loaded so far (modules, the catalog) lives as long as the server: keep it out of
    # the garbage collector's full passes, which would otherwise pause every call for ~0.1 s.
    gc.collect()
    gc.freeze()

    async def main() -> None:
        if security is None:
            async with running(service, handle_signals=True):
                await server.run_stdio_async()
        else:
            http = http_server(server, security)

            async def stop() -> None:
                await service.drain(DRAIN_GRACE_S)  # no new episodes and /healthz 503 meanwhile
                http.stop()

            async with running(service, handle_signals=True, on_signal=stop):
                await http.serve()

    anyio.run(main)
    return 0


def http_server(server, security):
    from mcp_server.http import OriginGuard, UvicornServer

    app = server.streamable_http_app(streamable_http_path="/mcp", transport_security=security.transport_security(), host=security.host)
    guarded = OriginGuard(app, security.allowed_origins)
    where = f"http://{security.host}:{security.port}/mcp"
    log.info("listening on %s (%s)", where, f"{len(security.tokens)} bearer token(s)" if security.tokens else "loopback, no token")
    return UvicornServer(guarded, security.host, security.port)


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


def cmd_image_build(args: argparse.Namespace) -> int:
    import docker

    from sandbox.images.build import DEFAULT_BASE_IMAGE
    from sandbox.images.sandbox_image import build_sandbox_image

    build_sandbox_image(tag=args.tag, base_image=args.base_image or DEFAULT_BASE_IMAGE, client=docker.from_env())
    print(f"built {args.tag}", file=sys.stderr)
    return 0


def cmd_image_build_server(args: argparse.Namespace) -> int:
    from mcp_server.server_image import build_server_image
    from sandbox.images.build import DEFAULT_BASE_IMAGE

    build_server_image(tag=args.tag, base_image=args.base_image or DEFAULT_BASE_IMAGE)
    print(f"built {args.tag}; run it as shown in README.md (Serve it remotely)", file=sys.stderr)
    return 0


def cmd_image_offline_base(args: argparse.Namespace) -> int:
    from sandbox.images.offline_base import build_offline_base

    build_offline_base(tag=args.tag, suite=args.suite, mirror=args.mirror)
    print(f"built {args.tag}; now run: debugbox image build --base-image {args.tag}", file=sys.stderr)
    return 0


def cmd_cleanup(args: argparse.Namespace) -> int:
    from sandbox.docker.engine import engine_client
    from sandbox.docker.reaper import remove_all

    removed = remove_all(engine_client())
    print(f"removed {removed} debugbox container(s)")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from sandbox.docker.container import LABEL_EPISODE, LABEL_INSTANCE, LABEL_OWNER
    from sandbox.docker.engine import engine_client
    from sandbox.docker.reaper import debugbox_containers, owner_is_alive

    engine = engine_client()
    containers = debugbox_containers(engine)
    by_instance: dict[str, list[dict]] = {}
    for info in containers:
        by_instance.setdefault(info["Labels"].get(LABEL_INSTANCE, "?"), []).append(info)
    for instance, infos in sorted(by_instance.items()):
        owner = infos[0]["Labels"].get(LABEL_OWNER, "?")
        alive = "alive" if owner_is_alive(owner, engine) else "GONE (run `debugbox cleanup`)"
        pooled = sum(1 for i in infos if i["Labels"].get(LABEL_EPISODE) == "pool")
        print(f"instance {instance} (server {owner}, {alive}): {len(infos)} container(s), {pooled} created for the warm pool")
        for info in infos:
            print(f"  {info['Id'][:12]} {info['State']:<8} episode={info['Labels'].get(LABEL_EPISODE)} {info['Status']}")
    print(f"{len(containers)} debugbox container(s). Pool hits, misses and claim latency: read the debugbox://status resource of a running server.")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    # Imported here: the evaluator pulls in rich and matplotlib, which `serve` never needs.
    from harness.eval.cli import main as eval_main

    return eval_main((["-v"] if args.verbose else []) + args.eval_args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="debugbox", description="An MCP server that gives agents a code-debugging sandbox.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging (on stderr)")
    sub = parser.add_subparsers(dest="command", required=True)

    def add_tasks_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--tasks", action="append", default=[], metavar="DIR", help="an extra task pack (repeatable; also DEBUGBOX_TASKS)")

    def add_backend_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--backend",
            choices=["auto", "docker", "local"],
            default="auto",
            help="docker, local (process isolation only), or auto: docker when an engine answers",
        )

    serve = sub.add_parser("serve", help="run the MCP server")
    serve.add_argument("--transport", choices=["stdio", "http"], default="stdio")
    serve.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default loopback)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--auth-token", action="append", default=[], metavar="[NAME=]TOKEN", help="bearer token clients must send (repeatable; required off loopback; env DEBUGBOX_AUTH_TOKENS)")
    serve.add_argument("--allowed-origin", action="append", default=[], metavar="ORIGIN", help="browser Origin allowed besides loopback (repeatable; env DEBUGBOX_ALLOWED_ORIGINS)")
    add_tasks_option(serve)
    add_backend_option(serve)
    config.add_options(serve)
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
    add_tasks_check_and_import(tasks_sub)

    image = sub.add_parser("image", help="build the sandbox image")
    image_sub = image.add_subparsers(dest="image_command", required=True)
    ib = image_sub.add_parser("build", help="build the sandbox image (sandbox/Dockerfile)")
    ib.add_argument("--base-image", help="base image with python3 (default python:3.11-slim)")
    ib.add_argument("--tag", default="debugbox-sandbox:latest")
    ib.set_defaults(func=cmd_image_build)
    isv = image_sub.add_parser("build-server", help="build the server image (top-level Dockerfile) from a source checkout")
    isv.add_argument("--base-image", help="base image with Python 3.11 (default python:3.11-slim)")
    isv.add_argument("--tag", default="debugbox-server:latest")
    isv.set_defaults(func=cmd_image_build_server)
    io = image_sub.add_parser("build-offline-base", help="build a base image with debootstrap, for machines without a registry")
    io.add_argument("--tag", default="debugbox-base:bookworm")
    io.add_argument("--suite", default="bookworm")
    io.add_argument("--mirror", default=None, help="Debian mirror URL (default: debootstrap's)")
    io.set_defaults(func=cmd_image_offline_base)

    # Everything after `eval` is the evaluator's own command line (`debugbox eval --help` shows it).
    ev = sub.add_parser("eval", help="evaluate a solver over many tasks and tries (pass@k, report)", add_help=False, prefix_chars="\0")
    ev.add_argument("eval_args", nargs=argparse.REMAINDER)
    ev.set_defaults(func=cmd_eval)

    cleanup = sub.add_parser("cleanup", help="remove every debugbox container")
    cleanup.set_defaults(func=cmd_cleanup)
    status = sub.add_parser("status", help="list debugbox containers by server instance")
    status.set_defaults(func=cmd_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args) or 0)
    except config.ConfigError as exc:
        print(f"debugbox: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - a CLI reports what failed, not a traceback
        from sandbox.factory import BackendUnavailable
        from sandbox.images.build import ImageBuildError

        if isinstance(exc, (BackendUnavailable, ImageBuildError)):
            print(f"debugbox: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
