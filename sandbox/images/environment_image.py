"""Environment images: the sandbox image plus a task environment's wheels, built without network.

The image is named by the digest of everything that decides its content: the sandbox image's id
(which changes with its runner and base), the runner's digest, the sorted requirements and the
sha256 of every wheel. So it is built once, found again by name by every server on this engine,
and rebuilt only when one of its inputs changes. It carries labels that `debugbox cleanup` and
`debugbox status` read (io.debugbox.image=environment, the request, the digest).

The build context holds only a generated Dockerfile, the stdlib installer and the wheels; the
build runs with network_mode="none", and the installer refuses to run where it sees any network
interface besides loopback. Blocking: call these in a worker thread.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import tarfile
from pathlib import Path

import docker
import docker.errors

log = logging.getLogger(__name__)

from sandbox.images.build import ImageBuildError, Progress, build_image, image_exists
from sandbox.images.sandbox_image import RUNNER_LABEL
from sandbox.environment_request import EnvironmentBuildError, EnvironmentRequest
from sandbox.wheelhouse import INSTALLER, TargetPython, Wheelhouse, default_wheel_cache, fetch_wheels

LABEL_IMAGE_KIND = "io.debugbox.image"
LABEL_ENVIRONMENT = "io.debugbox.environment"  # the request's key (sha256 of its requirements)
LABEL_ENVIRONMENT_DIGEST = "io.debugbox.environment-digest"
LABEL_REQUIREMENTS = "io.debugbox.environment-requirements"
LABEL_BASE_IMAGE_ID = "io.debugbox.base-image-id"
ENVIRONMENT_KIND = "environment"

_DOCKERFILE = """\
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
USER 0:0
COPY wheels /tmp/debugbox-wheels
COPY install_wheels.py /tmp/debugbox-install-wheels.py
RUN python3 /tmp/debugbox-install-wheels.py /tmp/debugbox-wheels --require-no-network \\
 && rm -rf /tmp/debugbox-wheels /tmp/debugbox-install-wheels.py \\
 && python3 -c "import importlib.metadata as m, sys; [m.version(n) for n in sys.argv[1:]]" %(names)s
USER 65534:65534
"""

# What a target interpreter accepts, asked of the image itself (pytest brings `packaging`).
_TARGET_PROBE = (
    "import json, sys; from packaging.tags import sys_tags; "
    "print(json.dumps({'version': '%d.%d' % sys.version_info[:2], "
    "'implementation': {'cpython': 'cp', 'pypy': 'pp'}.get(sys.implementation.name, sys.implementation.name), "
    "'tags': [str(t) for t in sys_tags()]}))"
)


def base_image_id(client: docker.DockerClient, base_tag: str) -> str:
    return client.images.get(base_tag).id


def image_target(client: docker.DockerClient, base_tag: str, cache: Path) -> TargetPython:
    """The Python inside the sandbox image (asked once per image id, then read from the cache)."""
    image = client.images.get(base_tag)
    cached = cache / "targets" / f"{image.id.replace(':', '-')}.json"
    try:
        return TargetPython.model_validate_json(cached.read_text())
    except (OSError, ValueError):
        pass
    output = client.containers.run(
        image.id, entrypoint=["python3", "-c", _TARGET_PROBE], command=[], network_disabled=True, network_mode="none",
        user="65534:65534", read_only=True, remove=True, cap_drop=["ALL"], security_opt=["no-new-privileges"],
    )
    target = TargetPython.model_validate_json(output.decode())
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_text(target.model_dump_json())
    return target


def environment_digest(base_id: str, runner: str, request: EnvironmentRequest, wheelhouse: Wheelhouse) -> str:
    parts = {"base_image_id": base_id, "runner": runner, "requirements": list(request.requirements), "wheels": sorted(wheelhouse.wheels.items())}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def environment_tag(base_tag: str, digest: str) -> str:
    """`<sandbox image repository>:env-<digest>`: named from the sandbox image it derives from."""
    repository = base_tag.rsplit(":", 1)[0] if ":" in base_tag.rsplit("/", 1)[-1] else base_tag
    return f"{repository}:env-{digest[:32]}"


def ensure_environment_image(
    client: docker.DockerClient, base_tag: str, request: EnvironmentRequest, wheelhouse: Wheelhouse, progress: Progress | None = None
) -> tuple[str, bool]:
    """The environment image's tag, and whether it had to be built now."""
    base = client.images.get(base_tag)
    runner = (base.labels or {}).get(RUNNER_LABEL, "")
    digest = environment_digest(base.id, runner, request, wheelhouse)
    tag = environment_tag(base_tag, digest)
    if image_exists(tag, client):
        return tag, False
    message = f"building environment image {tag} for {request.describe()} (first use; `debugbox image build --tasks PACK` builds it ahead)"
    if progress is None:
        log.warning("%s", message)
    else:
        progress(message)
    labels = {
        LABEL_IMAGE_KIND: ENVIRONMENT_KIND,
        LABEL_ENVIRONMENT: request.key,
        LABEL_ENVIRONMENT_DIGEST: digest,
        LABEL_REQUIREMENTS: json.dumps(list(request.requirements))[:4000],
        LABEL_BASE_IMAGE_ID: base.id,
    }
    try:
        build_image(
            client, tag=tag, base_image=base.id, context=_context(request, wheelhouse), labels=labels,
            # nocache: a cached layer could come from a build that had a network; this one runs offline, now.
            progress=progress or _log_line, network_mode="none", nocache=True,
        )
    except ImageBuildError as exc:
        # The wheels were fine for pip; what failed is their installation in the image.
        raise EnvironmentBuildError(f"installing {request.describe()} into {tag} failed: {exc}") from None
    return tag, True


def _context(request: EnvironmentRequest, wheelhouse: Wheelhouse) -> io.BytesIO:
    # Only requirements without markers are sure to apply inside; they must be importable by metadata.
    unconditional = [name for name, line in zip(request.names, request.requirements) if ";" not in line]
    dockerfile = _DOCKERFILE % {"names": " ".join(unconditional)}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        add_bytes(tar, "Dockerfile", dockerfile.encode())
        add_bytes(tar, "install_wheels.py", INSTALLER.read_bytes())
        for path in wheelhouse.paths():
            add_bytes(tar, f"wheels/{path.name}", path.read_bytes())
    buffer.seek(0)
    return buffer


def _log_line(line: str) -> None:
    log.debug("%s", line)


def add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    """A file of `data` in a build context."""
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644  # the image must not depend on the cache's umask
    tar.addfile(info, io.BytesIO(data))


def environment_images(client: docker.DockerClient, *labels: str) -> list[str]:
    """Tags (or ids) of the environment images on the engine, narrowed by more `key=value` labels."""
    found = client.images.list(filters={"label": [f"{LABEL_IMAGE_KIND}={ENVIRONMENT_KIND}", *labels]})
    return [tag for image in found for tag in (image.tags or [image.id])]


def remove_environment_images(client: docker.DockerClient, *labels: str) -> tuple[list[str], list[str]]:
    """Remove the environment images no container uses (never forced: a live episode keeps its
    image). They are rebuilt on first use. Returns (removed, kept because in use or refused)."""
    removed, kept = [], []
    for tag in environment_images(client, *labels):
        try:
            client.images.remove(tag, noprune=False)
            removed.append(tag)
        except docker.errors.ImageNotFound:
            pass
        except docker.errors.APIError:
            kept.append(tag)
    return removed, kept


def prepare_environment_image(
    client: docker.DockerClient, base_tag: str, request: EnvironmentRequest, wheel_cache: Path | None = None, progress: Progress | None = None
) -> tuple[str, bool]:
    """The environment image of `request` on `base_tag`, built now if missing: (tag, built now).
    Raises EnvironmentBuildError (a package pip cannot find or build) or ImageBuildError."""
    cache = wheel_cache or default_wheel_cache()
    target = image_target(client, base_tag, cache)
    wheelhouse = fetch_wheels(request, target, cache, progress)
    return ensure_environment_image(client, base_tag, request, wheelhouse, progress)
