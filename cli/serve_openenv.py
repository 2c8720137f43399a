"""`debugbox serve-openenv`: the OpenEnv server (reset/step/state over WebSocket and HTTP)."""

from __future__ import annotations

import argparse
import gc
import logging
import os

import anyio

from cli import settings
from cli.common import add_backend_option, add_tasks_option, load_tasks
from cli.serve import DRAIN_GRACE_S

log = logging.getLogger("debugbox")


def add_parser(sub) -> None:
    serve = sub.add_parser("serve-openenv", help="run the OpenEnv server (WebSocket /ws, HTTP /reset /step /state)")
    serve.add_argument("--host", default=os.environ.get("DEBUGBOX_OPENENV_HOST", "127.0.0.1"), help="bind address (default loopback; env DEBUGBOX_OPENENV_HOST)")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")), help="port (default 8000, or $PORT)")
    serve.add_argument("--auth-token", action="append", default=[], metavar="[NAME=]TOKEN", help="bearer token clients must send (repeatable; required off loopback; env DEBUGBOX_AUTH_TOKENS)")
    serve.add_argument("--allowed-origin", action="append", default=[], metavar="ORIGIN", help="browser Origin allowed besides loopback (repeatable; env DEBUGBOX_ALLOWED_ORIGINS)")
    serve.add_argument(
        "--container-boundary",
        action="store_true",
        help="allow a non-loopback bind without a token: only for the OpenEnv image, whose container is the boundary and whose published port is the only way in",
    )
    serve.add_argument(
        "--confine-runs",
        action="store_true",
        help="the local backend's runs get no network, write only their own directory and cannot read the task packs "
        "(seccomp and Landlock; always on in the OpenEnv image)",
    )
    add_tasks_option(serve)
    add_backend_option(serve, kubernetes=True)
    settings.add_options(serve)
    serve.set_defaults(func=cmd_serve_openenv)


def security(args: argparse.Namespace, environ=None):
    from openenv_server.security import ConfigError, Security

    env = os.environ if environ is None else environ
    tokens = args.auth_token or [t for t in env.get("DEBUGBOX_AUTH_TOKENS", "").split(",") if t.strip()]
    origins = args.allowed_origin or [o.strip() for o in env.get("DEBUGBOX_ALLOWED_ORIGINS", "").split(",") if o.strip()]
    try:
        return Security.build(args.host, [t.strip() for t in tokens], origins, container_boundary=args.container_boundary)
    except ConfigError as exc:
        raise settings.ConfigError(str(exc)) from None


def cmd_serve_openenv(args: argparse.Namespace) -> int:
    import uvicorn

    from environment.runtime import running
    from environment.service import DebugService
    from openenv_server.app import build_app
    from sandbox.factory import make_provider

    guard = security(args)
    service_settings = settings.service_settings(args)
    docker_settings = settings.docker_settings(args) if args.backend in ("auto", "docker") else None
    kubernetes_settings = settings.kubernetes_settings(args) if args.backend == "kubernetes" else None
    catalog = load_tasks(args)
    confine, hide = confinement(args)
    provider = make_provider(args.backend, docker_settings, kubernetes_settings, local_confine=confine, local_hide=hide)
    service = DebugService(catalog, provider, service_settings)
    app = build_app(service, guard)
    where = f"http://{args.host}:{args.port}"
    log.info("debugbox (OpenEnv) serving %d tasks on %s with the %s backend (%s)", len(catalog.tasks), where, provider.backend,
             f"{len(guard.tokens)} bearer token(s)" if guard.tokens else "loopback, no token")
    gc.collect()
    gc.freeze()  # as `debugbox serve`: keep the long-lived objects out of full collections

    config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning", lifespan="off", ws_max_size=16 * 1024 * 1024)
    server = _server(config)

    async def main() -> None:
        async def stop() -> None:
            await service.drain(DRAIN_GRACE_S)
            server.should_exit = True

        async with running(service, handle_signals=True, on_signal=stop):
            await server.serve()

    anyio.run(main)
    return 0


def confinement(args: argparse.Namespace) -> tuple[bool, list]:
    """In the OpenEnv image the runs share the container with the token-less server, the task packs
    and, under a plain `docker run`, the Internet: there confinement is not optional, and a server
    that cannot install it refuses to start rather than run the episodes' code unconfined."""
    from openenv_server.security import IMAGE_MARKER
    from sandbox.confine import check, landlock_abi, protect_server
    from tasks.loader import pack_dirs

    if not (args.confine_runs or IMAGE_MARKER.exists()):
        return False, []
    hide = [p.resolve() for p in pack_dirs(args.tasks) if p.exists()]
    problem = check(hide)
    if problem is not None:
        raise settings.ConfigError(f"cannot confine the episodes' code here ({problem}); refusing to serve")
    protect_server()
    if os.geteuid() == 0:
        log.warning(
            "serving as root: the confined runs keep uid 0 (no capabilities), so they can read root-only files in the "
            "system trees they may read (/etc/shadow, host keys under /etc); serve as a non-root user, as the image does"
        )
    if landlock_abi() < 6:
        log.warning(
            "Landlock ABI %d (Linux before 6.12): the episodes' runs are confined, but nothing stops them from signalling "
            "the server or each other's runners (same uid); serve one client per container here", landlock_abi()
        )
    return True, hide


def _server(config):
    """uvicorn without its own signal handling: debugbox's stops it after draining, then removes the
    sandboxes (see mcp_server/http.py's UvicornServer for why)."""
    from contextlib import contextmanager

    import uvicorn

    class _NoSignalCapture(uvicorn.Server):
        @contextmanager
        def capture_signals(self):
            yield

    return _NoSignalCapture(config)
