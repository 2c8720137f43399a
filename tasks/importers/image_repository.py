"""A repository that only an image holds: SWE-bench, SWE-Gym and R2E-Gym publish one image per
instance with the project checked out at `/testbed` and its dependencies installed.

The importer copies the repository out of a container that is created and never started
(`docker cp CONTAINER:/testbed -`, a tar stream read like `git archive`'s), and asks the image for
its installed packages in a container with no network, so that the task's `[environment]` names
them. Nothing is pulled: an image that is not on the engine is an error that says to pull it.
Blocking: the importer runs in a worker thread or the CLI.
"""

from __future__ import annotations

import re
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

import docker
import docker.errors

REPOSITORY_PATH = "/testbed"
MAX_REPOSITORY_BYTES = 2 * 1024**3  # a checkout with its history; more is refused, not half-copied
PACKAGES_TIMEOUT_S = 120
# The Python that runs the project's tests in the published images (SWE-bench's conda env), then
# the usual names. pip lists only installed distributions; the project's own editable install is left out.
_LIST_PACKAGES = r"""
for python in /opt/miniconda3/envs/testbed/bin/python /usr/local/bin/python3 /usr/bin/python3 python3 python; do
  if command -v "$python" >/dev/null 2>&1; then
    exec "$python" -m pip list --format=freeze --exclude-editable --disable-pip-version-check 2>/dev/null
  fi
done
"""
# An exact pin of a release; a local version (`1.0+repack`, a distribution's own build) is not on an index.
PINNED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.!_-]+)$")
# Left to the sandbox: pip (nothing inside installs), and pytest with its plugin machinery, which the
# runner is written against (the image's older pytest would replace the one the runner expects).
LEFT_TO_THE_SANDBOX = {"pip", "pkg-resources", "pytest", "pluggy", "iniconfig", "py"}


class ImageRepositoryError(ValueError):
    """The image cannot give its repository: the instance is skipped with this reason."""


@contextmanager
def _engine_errors(image_name: str) -> Iterator[None]:
    """An engine's refusal (a broken image, a full disk) as the instance's reason to be skipped."""
    try:
        yield
    except docker.errors.DockerException as exc:
        detail = getattr(exc, "explanation", None) or str(exc)
        raise ImageRepositoryError(f"image {image_name}: {detail}") from None


def _client() -> docker.DockerClient:
    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as exc:
        raise ImageRepositoryError(f"no Docker engine answers, so the repository cannot be copied out of the image ({exc})") from None
    return client


def _present(client: docker.DockerClient, image_name: str) -> None:
    try:
        client.images.get(image_name)
    except docker.errors.ImageNotFound:
        raise ImageRepositoryError(f"image {image_name} is not on this Docker engine: `docker pull {image_name}` first (the importer never pulls)") from None
    except docker.errors.APIError as exc:
        raise ImageRepositoryError(f"image {image_name}: {exc.explanation or exc}") from None


def _safe_member(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo | None:
    """The "data" filter, but a member it refuses (a link out of the tree, a device) is left out
    rather than failing the whole copy: the task reads text files only."""
    try:
        return tarfile.data_filter(member, path)
    except tarfile.FilterError:
        return None


def copy_repository(image_name: str, into: Path, path: str = REPOSITORY_PATH) -> Path:
    """The directory `path` of the image, copied under `into`; returns the copy's root."""
    with _engine_errors(image_name):
        return _copy_repository(_client(), image_name, into, path)


def _copy_repository(client: docker.DockerClient, image_name: str, into: Path, path: str) -> Path:
    _present(client, image_name)
    # Never started: no entrypoint of the image runs on the host's engine.
    container = client.api.create_container(image_name, command=["true"], network_disabled=True)
    try:
        try:
            chunks, stat = client.api.get_archive(container["Id"], path)
        except docker.errors.NotFound:
            raise ImageRepositoryError(f"image {image_name} has no {path}") from None
        if not stat.get("mode", 0) & (1 << 31):  # Go's os.ModeDir: the path must be a directory
            raise ImageRepositoryError(f"{path} in image {image_name} is not a directory")
        with tempfile.TemporaryFile(dir=into) as spool:
            copied = 0
            for chunk in chunks:
                copied += len(chunk)
                if copied > MAX_REPOSITORY_BYTES:
                    raise ImageRepositoryError(f"{path} in image {image_name} is over {MAX_REPOSITORY_BYTES // 1024**2} MiB")
                spool.write(chunk)
            spool.seek(0)
            with tarfile.open(fileobj=spool) as tar:
                tar.extractall(into, filter=_safe_member)
    finally:
        client.api.remove_container(container["Id"], force=True)
    root = into / PurePosixPath(path).name
    if not root.is_dir():
        raise ImageRepositoryError(f"{path} in image {image_name} came out empty")
    return root


def tree_without_history(repository: Path, into: Path) -> None:
    """An image's checkout that has no .git: the files as the image holds them (at base_commit)."""
    shutil.copytree(repository, into, dirs_exist_ok=True, symlinks=True, ignore=shutil.ignore_patterns(".git"))


def image_packages(image_name: str) -> list[str]:
    """The pinned packages installed in the image (`name==version`, sorted by name), less the
    project itself and what the sandbox brings (pinned_requirements); [] when the image has no
    Python with pip."""
    with _engine_errors(image_name):
        return _image_packages(_client(), image_name)


def _image_packages(client: docker.DockerClient, image_name: str) -> list[str]:
    _present(client, image_name)
    # The image's own code runs here (its shell, its python): as confined as a sandbox, minus the runner.
    container = client.containers.create(
        image_name, entrypoint=["/bin/sh", "-c", _LIST_PACKAGES], network_disabled=True, cap_drop=["ALL"],
        security_opt=["no-new-privileges"], read_only=True, tmpfs={"/tmp": "size=64m"}, mem_limit="512m", pids_limit=64,
    )  # fmt: skip
    try:
        container.start()
        try:
            status = container.wait(timeout=PACKAGES_TIMEOUT_S).get("StatusCode", 1)
        except Exception:  # noqa: BLE001 - requests' timeout, whatever its class in this version
            raise ImageRepositoryError(f"listing the packages of image {image_name} took over {PACKAGES_TIMEOUT_S} s") from None
        output = container.logs(stdout=True, stderr=False).decode("utf-8", "replace")
    finally:
        container.remove(force=True)
    if status != 0:
        return []
    return pinned_requirements(output)


def pinned_requirements(freeze_output: str) -> list[str]:
    """`pip list --format=freeze` lines that a task environment accepts: exact pins of index
    releases (a `name @ file://...` line or a local version is a build the host cannot download),
    less what the sandbox brings itself."""
    pins = {}
    for line in freeze_output.splitlines():
        match = PINNED.match(line.strip())
        if match and re.sub(r"[-_.]+", "-", match.group(1).lower()) not in LEFT_TO_THE_SANDBOX:
            pins[match.group(1).lower()] = f"{match.group(1)}=={match.group(2)}"
    return [pins[name] for name in sorted(pins)]
