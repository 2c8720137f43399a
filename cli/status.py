"""`debugbox status`: the debugbox containers on this Docker engine, by server instance."""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    status = sub.add_parser("status", help="list debugbox containers by server instance")
    status.set_defaults(func=cmd_status)


def cmd_status(args: argparse.Namespace) -> int:
    from sandbox.docker.container import LABEL_EPISODE
    from sandbox.docker.engine import engine_client
    from sandbox.docker.reaper import containers_by_instance

    groups = containers_by_instance(engine_client())
    for group in groups:
        alive = "alive" if group.owner_alive else "GONE (run `debugbox cleanup`)"
        print(f"instance {group.instance} (server {group.owner}, {alive}): {len(group.containers)} container(s), {group.pooled} created for the warm pool")
        for info in group.containers:
            print(f"  {info['Id'][:12]} {info['State']:<8} episode={info['Labels'].get(LABEL_EPISODE)} {info['Status']}")
    total = sum(len(group.containers) for group in groups)
    print(f"{total} debugbox container(s). Pool hits, misses and claim latency: read the debugbox://status resource of a running server.")
    return 0
