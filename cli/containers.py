"""`debugbox cleanup`: remove every debugbox container on this Docker engine."""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    cleanup = sub.add_parser("cleanup", help="remove every debugbox container")
    cleanup.set_defaults(func=cmd_cleanup)


def cmd_cleanup(args: argparse.Namespace) -> int:
    from sandbox.docker.engine import engine_client
    from sandbox.docker.reaper import remove_all

    removed = remove_all(engine_client())
    print(f"removed {removed} debugbox container(s)")
    return 0
