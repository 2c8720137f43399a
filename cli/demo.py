"""`debugbox demo`: one task solved end to end through a real MCP client."""

from __future__ import annotations

import argparse

import anyio

from cli.common import add_backend_option, add_tasks_option


def add_parser(sub) -> None:
    demo = sub.add_parser("demo", help="solve one task end to end through a real MCP client")
    demo.add_argument("--task", default="binary_search_off_by_one")
    add_tasks_option(demo)
    add_backend_option(demo)
    demo.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    # The demo is a client: it lives in harness/ and reaches the server only over MCP.
    from harness.demo import run_demo

    return anyio.run(run_demo, args.task, args.backend, args.tasks)
