"""`debugbox image build-server`: the server image (top-level Dockerfile) from a source checkout.

The package and its dependencies are collected as wheels on this machine first (pip reaches
the package index here, with this machine's certificates), so the image build needs no network
and works on the offline Debian base, which has no pip.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import docker

from sandbox.images.build import DEFAULT_BASE_IMAGE, ImageBuildError, Progress, build_image, stderr_progress

SERVER_IMAGE = "debugbox-server:latest"
OPENENV_IMAGE = "debugbox-openenv:latest"
REPO_ROOT = Path(__file__).resolve().parents[2]
CONTEXT_FILES = ("Dockerfile", "scripts/install_wheels.py")


def collect_wheels(wheelhouse: Path, progress: Progress) -> None:
    if not (REPO_ROOT / "pyproject.toml").is_file() or not (REPO_ROOT / "Dockerfile").is_file():
        raise ImageBuildError(f"the server image is built from a source checkout; {REPO_ROOT} has no pyproject.toml and Dockerfile")
    shutil.rmtree(wheelhouse, ignore_errors=True)
    wheelhouse.mkdir(parents=True)
    progress(f"collecting debugbox and its dependencies as wheels in {wheelhouse}")
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "-w", str(wheelhouse), str(REPO_ROOT)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise ImageBuildError(f"`{' '.join(command)}` failed:\n{result.stderr[-3000:]}")


def _context(wheelhouse: Path, dockerfile: str = "Dockerfile") -> io.BytesIO:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name in CONTEXT_FILES:
            source = dockerfile if name == "Dockerfile" else name
            tar.add(REPO_ROOT / source, arcname=name)
        for wheel in sorted(wheelhouse.glob("*.whl")):
            tar.add(wheel, arcname=f"build/wheelhouse/{wheel.name}")
    buffer.seek(0)
    return buffer


def build_server_image(
    tag: str = SERVER_IMAGE,
    base_image: str = DEFAULT_BASE_IMAGE,
    client: docker.DockerClient | None = None,
    progress: Progress = stderr_progress,
):
    wheelhouse = REPO_ROOT / "build" / "wheelhouse"
    collect_wheels(wheelhouse, progress)
    return build_image(client or docker.from_env(), tag=tag, base_image=base_image, context=_context(wheelhouse), progress=progress)


def build_openenv_image(
    tag: str = OPENENV_IMAGE,
    base_image: str = DEFAULT_BASE_IMAGE,
    client: docker.DockerClient | None = None,
    progress: Progress = stderr_progress,
):
    """The OpenEnv image (Dockerfile.openenv): `debugbox serve-openenv` with the local backend, the
    container being the isolation boundary (OpenEnv's from_docker_image, a Hugging Face Space)."""
    wheelhouse = REPO_ROOT / "build" / "wheelhouse"
    collect_wheels(wheelhouse, progress)
    return build_image(
        client or docker.from_env(), tag=tag, base_image=base_image, context=_context(wheelhouse, "Dockerfile.openenv"), progress=progress
    )
