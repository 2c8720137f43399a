"""`debugbox image build | build-server | build-openenv | export-space | build-offline-base`: the images debugbox runs in."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub) -> None:
    image = sub.add_parser("image", help="build the sandbox image")
    image_sub = image.add_subparsers(dest="image_command", required=True)
    ib = image_sub.add_parser(
        "build", help="build the sandbox image (sandbox/Dockerfile); with --tasks, the task environments' images of those packs"
    )
    ib.add_argument("--base-image", help="base image with python3 (default python:3.11-slim)")
    ib.add_argument("--tag", default=None, help="the sandbox image (default DEBUGBOX_IMAGE or debugbox-sandbox:latest)")
    ib.add_argument(
        "--tasks", action="append", default=[], metavar="PACK",
        help="prebuild the [environment] of every task of this pack (repeatable); the sandbox image is built only if missing",
    )
    ib.add_argument("--bundled", action="store_true", help="with --tasks: the bundled pack's environments too")
    ib.add_argument("--backend", choices=["docker", "local"], default="docker", help="with --tasks: images (docker) or venvs (local)")
    ib.add_argument("--wheel-cache", default=None, help="where wheels are kept (default DEBUGBOX_WHEEL_CACHE or ~/.cache/debugbox/wheels)")
    ib.set_defaults(func=cmd_image_build)
    isv = image_sub.add_parser("build-server", help="build the server image (top-level Dockerfile) from a source checkout")
    isv.add_argument("--base-image", help="base image with Python 3.11 (default python:3.11-slim)")
    isv.add_argument("--tag", default="debugbox-server:latest")
    isv.set_defaults(func=cmd_image_build_server)
    iso = image_sub.add_parser("build-openenv", help="build the OpenEnv image (Dockerfile.openenv): serve-openenv, one container per client")
    iso.add_argument("--base-image", help="base image with Python 3.11 (default python:3.11-slim)")
    iso.add_argument("--tag", default="debugbox-openenv:latest")
    iso.add_argument(
        "--tasks", action="append", default=[], metavar="PACK",
        help="a task pack (a directory, or a shipped pack by name) to serve besides the bundled one, with a venv for each of its "
        "environments built into the image from wheels downloaded here; repeatable",
    )  # fmt: skip
    iso.add_argument("--wheel-cache", default=None, help="with --tasks: where wheels are kept (default DEBUGBOX_WHEEL_CACHE or ~/.cache/debugbox/wheels)")
    iso.set_defaults(func=cmd_image_build_openenv)
    isp = image_sub.add_parser("export-space", help="write a Hugging Face Space (README.md front matter, Dockerfile, wheels) into DIR")
    isp.add_argument("directory", metavar="DIR", help="a new directory, or a fresh clone of the Space")
    isp.set_defaults(func=cmd_image_export_space)
    io = image_sub.add_parser("build-offline-base", help="build a base image with debootstrap, for machines without a registry")
    io.add_argument("--tag", default="debugbox-base:bookworm")
    io.add_argument("--suite", default="bookworm")
    io.add_argument("--mirror", default=None, help="Debian mirror URL (default: debootstrap's)")
    io.set_defaults(func=cmd_image_offline_base)


def cmd_image_build(args: argparse.Namespace) -> int:
    from sandbox.images.sandbox_image import SANDBOX_IMAGE

    tag = args.tag or SANDBOX_IMAGE
    if args.tasks or args.bundled:
        from cli.environments import build_task_environments

        return build_task_environments(args.tasks, bundled=args.bundled, backend=args.backend, sandbox_tag=tag, wheel_cache=args.wheel_cache)
    import docker

    from sandbox.images.build import DEFAULT_BASE_IMAGE
    from sandbox.images.sandbox_image import build_sandbox_image

    build_sandbox_image(tag=tag, base_image=args.base_image or DEFAULT_BASE_IMAGE, client=docker.from_env())
    print(f"built {tag}", file=sys.stderr)
    return 0


def cmd_image_build_openenv(args: argparse.Namespace) -> int:
    from sandbox.images.build import DEFAULT_BASE_IMAGE
    from sandbox.images.server_image import build_openenv_image

    if args.tasks:
        from cli.environments import openenv_image_with_packs

        return openenv_image_with_packs(args.tasks, tag=args.tag, base_image=args.base_image or DEFAULT_BASE_IMAGE, wheel_cache=args.wheel_cache)
    build_openenv_image(tag=args.tag, base_image=args.base_image or DEFAULT_BASE_IMAGE)
    print(f"built {args.tag}", file=sys.stderr)
    return 0


def cmd_image_build_server(args: argparse.Namespace) -> int:
    from sandbox.images.server_image import build_server_image
    from sandbox.images.build import DEFAULT_BASE_IMAGE

    build_server_image(tag=args.tag, base_image=args.base_image or DEFAULT_BASE_IMAGE)
    print(f"built {args.tag}; run it as shown in README.md (Serve it remotely)", file=sys.stderr)
    return 0


def cmd_image_export_space(args: argparse.Namespace) -> int:
    from sandbox.images.space import export_space

    directory = export_space(args.directory)
    print(
        f"wrote the Space to {directory}; push it: cd {directory} && git init && git lfs install && git add . && "
        "git commit -m debugbox && git remote add space https://huggingface.co/spaces/OWNER/NAME && git push --force space HEAD:main",
        file=sys.stderr,
    )
    return 0


def cmd_image_offline_base(args: argparse.Namespace) -> int:
    from sandbox.images.offline_base import build_offline_base

    build_offline_base(tag=args.tag, suite=args.suite, mirror=args.mirror)
    print(f"built {args.tag}; now run: debugbox image build --base-image {args.tag}", file=sys.stderr)
    return 0
