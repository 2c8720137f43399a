"""`debugbox`: the parser, built from each command group's module, and the dispatch.

Each group's module adds its subparser with `add_parser(sub)` and sets `func`, the function that
runs it; heavy imports (the server, Docker, the evaluator) wait inside those functions, so that
`debugbox --help` and `debugbox tasks list` stay quick.
"""

from __future__ import annotations

import argparse
import logging
import sys

from cli import containers, demo, image, serve, serve_openenv, settings, status, tasks, view
from cli import eval as evaluate  # `eval` would shadow the builtin here

# The order `debugbox --help` lists them in.
COMMAND_GROUPS = (serve, serve_openenv, demo, tasks, image, evaluate, view, containers, status)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="debugbox", description="An MCP server that gives agents a code-debugging sandbox.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging (on stderr)")
    sub = parser.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        group.add_parser(sub)
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
    except settings.ConfigError as exc:
        print(f"debugbox: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - a CLI reports what failed, not a traceback
        from sandbox.base import SandboxError
        from sandbox.factory import BackendUnavailable
        from sandbox.images.build import ImageBuildError

        if isinstance(exc, (BackendUnavailable, ImageBuildError)):
            print(f"debugbox: {exc}", file=sys.stderr)
            return 2
        if isinstance(exc, SandboxError):  # a backend that could not start (a kubeconfig, a context, an engine)
            logging.getLogger("debugbox").debug("the backend failed", exc_info=True)
            print(f"debugbox: the {getattr(args, 'backend', 'sandbox')} backend failed: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
