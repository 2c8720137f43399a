"""`debugbox image build-openenv --tasks PACK`: the OpenEnv image with more task packs and their
environments, so that one container serves them with no network and no pip.

On top of the plain OpenEnv image: the packs under /opt/debugbox/packs (which the runs cannot read,
as the bundled pack), the wheels of every task environment they name, downloaded here on the host
for the image's own interpreter (its tags are asked of the image), and one venv per environment,
made inside the build from those wheels only (`debugbox image build --backend local`, so the same
code that makes them at run time). At run time the server finds each venv complete and its wheels
in the cache, so nothing is downloaded or installed inside the container. Blocking.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
from pathlib import Path

import docker

from sandbox.images.build import Progress, build_image
from sandbox.images.environment_image import add_bytes, image_target
from sandbox.wheelhouse import fetch_wheels

PACKS_IN_IMAGE = "/opt/debugbox/packs/extra"
WHEELS_IN_IMAGE = "/opt/debugbox/wheels"
VENVS_IN_IMAGE = "/opt/debugbox/venvs"
IMAGE_USER = "10001:10001"  # Dockerfile.openenv's

REQUESTS_FILE = "requests.json"
# Inside the build: the venvs made by the function the server calls at run time, from the wheels
# already in the cache (the ENV lines point both caches into the image), so nothing is downloaded.
_MAKE_VENVS = (
    "import json, sys; from sandbox.environment_request import EnvironmentRequest as R; from sandbox.local_env import prepare_venv; "
    "[print(prepare_venv(R(requirements=r))[0], flush=True) for r in json.load(open(sys.argv[1]))]"
)

_DOCKERFILE = """\
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
USER 0:0
COPY packs %(packs)s
COPY wheels %(wheels)s
ENV DEBUGBOX_TASKS=%(tasks)s \\
    DEBUGBOX_WHEEL_CACHE=%(wheels)s \\
    DEBUGBOX_VENV_CACHE=%(venvs)s
RUN %(build_venvs)s \\
 && chmod -R a+rX,go-w %(packs)s %(wheels)s %(venvs)s
USER %(user)s
"""


def pack_names(packs: list[Path]) -> list[str]:
    """A distinct directory name in the image for each pack (its own name, numbered on a clash)."""
    names: list[str] = []
    for pack in packs:
        base = re.sub(r"[^A-Za-z0-9._-]", "_", pack.name) or "pack"
        name, n = base, 2
        while name in names:
            name, n = f"{base}-{n}", n + 1
        names.append(name)
    return names


def build_openenv_packs_image(
    client: docker.DockerClient, *, base_tag: str, tag: str, packs: list[Path], requests: list, wheel_cache: Path, progress: Progress
):
    """`tag`: the OpenEnv image `base_tag` plus `packs` (already loaded and found valid by the
    caller) and a venv for each of `requests` (their EnvironmentRequests)."""
    target = image_target(client, base_tag, wheel_cache)
    houses = []
    for request in requests:
        progress(f"wheels for {request.describe()} (python {target.version} of the image)")
        houses.append(fetch_wheels(request, target, wheel_cache, progress))  # EnvironmentBuildError names the package
    names = pack_names(packs)
    in_image = [f"{PACKS_IN_IMAGE}/{name}" for name in names]
    dockerfile = _DOCKERFILE % {
        "packs": PACKS_IN_IMAGE,
        "wheels": WHEELS_IN_IMAGE,
        "venvs": VENVS_IN_IMAGE,
        "tasks": ":".join(in_image),
        "build_venvs": f"mkdir -p {VENVS_IN_IMAGE} && python3 -I -c '{_MAKE_VENVS}' {WHEELS_IN_IMAGE}/{REQUESTS_FILE}",
        "user": IMAGE_USER,
    }
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as tar:
        add_bytes(tar, "Dockerfile", dockerfile.encode())
        add_bytes(tar, f"wheels/{REQUESTS_FILE}", json.dumps([list(r.requirements) for r in requests]).encode())
        add_bytes(tar, "packs/.keep", b"")
        for pack, name in zip(packs, names):
            tar.add(pack, arcname=f"packs/{name}", filter=_without_caches)
        for house in houses:
            tar.add(house.directory, arcname=f"wheels/{house.directory.name}")
    context.seek(0)
    progress(f"adding {len(packs)} pack(s) and {len(requests)} environment(s) to {tag}")
    return build_image(client, tag=tag, base_image=base_tag, context=context, progress=progress, network_mode="none")


def _without_caches(member: tarfile.TarInfo) -> tarfile.TarInfo | None:
    parts = Path(member.name).parts
    return None if "__pycache__" in parts or ".pytest_cache" in parts else member
