"""`debugbox cleanup`: remove every debugbox container on this Docker engine (and, if asked, the\ntask environment images nothing uses)."""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    cleanup = sub.add_parser("cleanup", help="remove every debugbox container")
    cleanup.add_argument(
        "--environment-images", action="store_true",
        help="also remove the task environment images no container uses (rebuilt on first use)",
    )
    cleanup.set_defaults(func=cmd_cleanup)


def cmd_cleanup(args: argparse.Namespace) -> int:
    from sandbox.docker.engine import engine_client
    from sandbox.docker.reaper import remove_all

    client = engine_client()
    removed = remove_all(client)
    print(f"removed {removed} debugbox container(s)")
    if getattr(args, "environment_images", False):
        from sandbox.images.environment_image import remove_environment_images

        images, kept = remove_environment_images(client)
        print(f"removed {len(images)} environment image(s)" + (f"; {len(kept)} in use kept" if kept else ""))
    return 0
