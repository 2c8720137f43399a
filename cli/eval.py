"""`debugbox eval`: the evaluator (harness/eval/), many tasks x many tries with one solver."""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    # Everything after `eval` is the evaluator's own command line (`debugbox eval --help` shows it).
    ev = sub.add_parser("eval", help="evaluate a solver over many tasks and tries (pass@k, report)", add_help=False, prefix_chars="\0")
    ev.add_argument("eval_args", nargs=argparse.REMAINDER)
    ev.set_defaults(func=cmd_eval)


def cmd_eval(args: argparse.Namespace) -> int:
    # Imported here: the evaluator pulls in rich and matplotlib, which `serve` never needs.
    from harness.eval.cli import main as eval_main

    return eval_main((["-v"] if args.verbose else []) + args.eval_args)
