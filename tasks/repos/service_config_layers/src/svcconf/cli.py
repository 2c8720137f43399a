"""`python -m svcconf.cli check|show|routes|diff FILE...`: the fleet from the command line."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from svcconf.build import load_service, load_services
from svcconf.dump import diff, to_text
from svcconf.errors import ConfigError


def _read(paths: list[str]) -> dict[str, str]:
    return {path: Path(path).read_text(encoding="utf-8") for path in paths}


def _shared(args: argparse.Namespace) -> str | None:
    return Path(args.defaults).read_text(encoding="utf-8") if args.defaults else None


def cmd_check(args: argparse.Namespace) -> int:
    registry = load_services(_read(args.files), shared_defaults=_shared(args))
    print(f"{len(registry)} service(s) ok: {', '.join(registry.names())}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    for path, text in _read(args.files).items():
        print(f"# {path}")
        print(to_text(load_service(text, shared_defaults=_shared(args), environ=os.environ, source=path)))
    return 0


def cmd_routes(args: argparse.Namespace) -> int:
    registry = load_services(_read(args.files), shared_defaults=_shared(args))
    for route in registry.routes():
        print(f"{route.service:<16} {route.upstream:<16} {route.timeout:>7g}s x{route.attempts}  {route.url}")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    old_path, new_path = args.files
    texts = _read([old_path, new_path])
    changes = diff(load_service(texts[old_path], source=old_path), load_service(texts[new_path], source=new_path))
    for line in changes:
        print(line)
    return 1 if changes else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="svcconf")
    parser.add_argument("--defaults", help="the shared defaults file")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func, nargs in (("check", cmd_check, "+"), ("show", cmd_show, "+"), ("routes", cmd_routes, "+"), ("diff", cmd_diff, 2)):
        p = sub.add_parser(name)
        p.add_argument("files", nargs=nargs)
        p.set_defaults(func=func)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
