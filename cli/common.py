"""Options and helpers several command groups share."""

from __future__ import annotations

import argparse
import logging

from tasks.loader import Catalog, load_catalog

log = logging.getLogger("debugbox")


def add_tasks_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tasks", action="append", default=[], metavar="DIR", help="an extra task pack: a directory, or a shipped pack by name (repos); repeatable; also DEBUGBOX_TASKS")


def add_backend_option(parser: argparse.ArgumentParser, *, kubernetes: bool = False) -> None:
    parser.add_argument(
        "--backend",
        choices=["auto", "docker", "local", *(["kubernetes"] if kubernetes else [])],
        default="auto",
        help="docker, local (process isolation only), "
        + ("kubernetes (pods or agent-sandbox claims in a cluster; the --k8s-* options), " if kubernetes else "")
        + "or auto: docker when an engine answers",
    )


def load_tasks(args: argparse.Namespace) -> Catalog:
    """The bundled pack and every --tasks pack; a task that does not load is a warning, not a stop."""
    catalog = load_catalog(args.tasks)
    for error in catalog.errors:
        log.warning("task rejected: %s", error)
    return catalog
