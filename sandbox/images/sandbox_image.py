"""The sandbox image episodes run in: sandbox/Dockerfile and sandbox/runner.py on a python3 base.

The image carries a label with the runner's digest; a server finding an image whose runner is not
its own rebuilds it (on the base recorded in the image) before it starts any episode.
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from pathlib import Path

import docker
import docker.errors
from docker.models.images import Image

from sandbox.images.build import (
    DEFAULT_BASE_IMAGE,
    OFFLINE_HINT,
    BaseImageUnavailable,
    ImageBuildError,
    Progress,
    build_image,
    emit,
    image_exists,
    stderr_progress,
)
from sandbox.images.offline_base import OFFLINE_BASE_IMAGE

# DEBUGBOX_IMAGE (also `serve --image`) names another tag: two checkouts with different runners on
# one engine would otherwise rebuild one tag back and forth.
SANDBOX_IMAGE = os.environ.get("DEBUGBOX_IMAGE") or "debugbox-sandbox:latest"

# The build context is sandbox/, found relative to this file so the build works from a checkout
# and from an installed wheel alike (Dockerfile and runner.py ship as package data).
CONTEXT_DIR = Path(__file__).resolve().parent.parent
CONTEXT_FILES = ("Dockerfile", "runner.py")

RUNNER_LABEL = "io.debugbox.runner-sha256"


def runner_digest(context_dir: Path | None = None) -> str:
    """sha256 of the runner the image must carry; a label on the image records it."""
    return hashlib.sha256(((context_dir or CONTEXT_DIR) / "runner.py").read_bytes()).hexdigest()


def ensure_sandbox_image(
    client: docker.DockerClient,
    tag: str = SANDBOX_IMAGE,
    base_image: str | None = None,
    progress: Progress | None = stderr_progress,
) -> Image:
    """Return the sandbox image, building it first if the engine lacks it or it carries another runner."""
    try:
        image = client.images.get(tag)
    except docker.errors.ImageNotFound:
        base = base_image or _choose_base_image(client)
        emit(progress, f"sandbox image {tag!r} not found; building it on {base!r}")
        return build_sandbox_image(tag=tag, base_image=base, client=client, progress=progress)
    labels = image.labels or {}
    if labels.get(RUNNER_LABEL) == runner_digest():
        return image
    # The image holds an older runner than this server speaks to: rebuild on the same base.
    recorded = labels.get("io.debugbox.base-image")
    base = base_image or (recorded if recorded and image_exists(recorded, client) else _choose_base_image(client))
    emit(progress, f"sandbox image {tag!r} holds another runner version; rebuilding it on {base!r}")
    return build_sandbox_image(tag=tag, base_image=base, client=client, progress=progress)


def build_sandbox_image(
    tag: str = SANDBOX_IMAGE,
    base_image: str = DEFAULT_BASE_IMAGE,
    client: docker.DockerClient | None = None,
    progress: Progress | None = stderr_progress,
    context_dir: Path | None = None,
) -> Image:
    """Build ``tag`` from sandbox/Dockerfile on ``base_image``.

    ``context_dir`` defaults to sandbox/; it exists so tests can build from
    a copy. Raises BaseImageUnavailable (with the offline recipe) when the
    base can't be had, ImageBuildError otherwise.
    """
    return build_image(
        client or docker.from_env(),
        tag=tag,
        base_image=base_image,
        context=_context_tar(context_dir or CONTEXT_DIR),
        labels={RUNNER_LABEL: runner_digest(context_dir)},
        progress=progress,
    )


def _choose_base_image(client: docker.DockerClient) -> str:
    """Prefer the public default, fall back to the offline base, never pull."""
    for candidate in (DEFAULT_BASE_IMAGE, OFFLINE_BASE_IMAGE):
        if image_exists(candidate, client):
            return candidate
    raise BaseImageUnavailable(
        f"no base image for the sandbox: neither {DEFAULT_BASE_IMAGE!r} nor "
        f"{OFFLINE_BASE_IMAGE!r} is present locally. Without registry access, "
        f"{OFFLINE_HINT}. With registry access, `debugbox image build` "
        f"pulls {DEFAULT_BASE_IMAGE!r}."
    )


def _context_tar(context_dir: Path) -> io.BytesIO:
    """Pack exactly the files the Dockerfile needs.

    Sending the whole directory would drag in __pycache__, the Python
    packages next to it and whatever else sits there (in site-packages,
    possibly a lot).
    """
    missing = [name for name in CONTEXT_FILES if not (context_dir / name).is_file()]
    if missing:
        raise ImageBuildError(
            f"sandbox build context {context_dir} lacks {', '.join(missing)}"
        )
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name in CONTEXT_FILES:
            data = (context_dir / name).read_bytes()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            # Fixed owner and mode: the image must not depend on the checkout's
            # umask or on who installed the package.
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    return buffer
