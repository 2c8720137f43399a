"""`debugbox image export-space DIR`: the directory a user pushes to a Hugging Face Space.

A Docker Space builds the Dockerfile at its root and serves `app_port` (README.md's front matter).
The Space's Dockerfile is Dockerfile.openenv itself, so the Space runs what `debugbox image
build-openenv` builds, from the same wheels (collected here, where pip reaches the index; the
Space's builder then needs no access to this project's sources). The image already follows the
Space's conventions: any uid (a Space runs it as 1000), writes only under /tmp, port from $PORT.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sandbox.images.build import ImageBuildError, Progress, stderr_progress
from sandbox.images.server_image import REPO_ROOT, collect_wheels

SPACE_TEMPLATE = REPO_ROOT / "deploy" / "hf_space"
# Wheels are binary: a Space's git takes them through LFS (files over 10 MB must be).
GITATTRIBUTES = "*.whl filter=lfs diff=lfs merge=lfs -text\n"


def export_space(directory: Path, progress: Progress = stderr_progress) -> Path:
    directory = Path(directory)
    if directory.exists() and any(p.name != ".git" for p in directory.iterdir()):
        raise ImageBuildError(f"{directory} is not empty: export the Space into a new directory (or a fresh clone of the Space)")
    if not (SPACE_TEMPLATE / "README.md").is_file():
        raise ImageBuildError(f"the Space template {SPACE_TEMPLATE} is missing: export from a source checkout")
    directory.mkdir(parents=True, exist_ok=True)
    collect_wheels(directory / "build" / "wheelhouse", progress)
    shutil.copyfile(REPO_ROOT / "Dockerfile.openenv", directory / "Dockerfile")
    (directory / "scripts").mkdir(exist_ok=True)
    shutil.copyfile(REPO_ROOT / "scripts" / "install_wheels.py", directory / "scripts" / "install_wheels.py")
    shutil.copyfile(SPACE_TEMPLATE / "README.md", directory / "README.md")
    shutil.copyfile(REPO_ROOT / "openenv.yaml", directory / "openenv.yaml")
    (directory / ".gitattributes").write_text(GITATTRIBUTES)
    return directory
