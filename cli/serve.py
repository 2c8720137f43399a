"""`debugbox serve`: the MCP server over stdio or Streamable HTTP."""

from __future__ import annotations

import argparse
import gc
import logging

import anyio

from cli import settings
from cli.common import add_backend_option, add_tasks_option, load_tasks

log = logging.getLogger("debugbox")
# On SIGTERM, calls in flight get this long to finish; under `docker stop`'s default 10 s, so that
# removing the sandboxes still fits before its SIGKILL.
DRAIN_GRACE_S = 5.0


def add_parser(sub) -> None:
    serve = sub.add_parser("serve", help="run the MCP server")
    serve.add_argument("--transport", choices=["stdio", "http"], default="stdio")
    serve.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default loopback)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--auth-token", action="append", default=[], metavar="[NAME=]TOKEN", help="bearer token clients must send (repeatable; required off loopback; env DEBUGBOX_AUTH_TOKENS)")
    serve.add_argument("--allowed-origin", action="append", default=[], metavar="ORIGIN", help="browser Origin allowed besides loopback (repeatable; env DEBUGBOX_ALLOWED_ORIGINS)")
    add_tasks_option(serve)
    add_backend_option(serve, kubernetes=True)
    settings.add_options(serve)
    settings.add_project_options(serve)
    serve.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    from environment.runtime import running
    from environment.service import DebugService
    from mcp_server.server import build_server
    from sandbox.factory import make_provider

    service_settings = settings.service_settings(args)
    docker_settings = settings.docker_settings(args) if args.backend in ("auto", "docker") else None
    kubernetes_settings = settings.kubernetes_settings(args) if args.backend == "kubernetes" else None
    security = settings.http_security(args) if args.transport == "http" else None
    catalog = load_tasks(args)
    provider = make_provider(args.backend, docker_settings, kubernetes_settings)
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
