"""Build and locate the Docker images debugbox runs episodes in.

Two images matter:

* the *sandbox* image (``SANDBOX_IMAGE``), built from ``sandbox/Dockerfile``
  on top of some base that provides ``python3``;
* optionally an *offline base* (``OFFLINE_BASE_IMAGE``), a Debian rootfs made
  with debootstrap and imported into the engine, for machines that can reach
  a Debian mirror but no container registry.

Nothing here writes to stdout (the MCP server speaks its protocol there):
progress goes to a callback, by default a line-writer on stderr.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

import docker
import docker.errors
from docker.models.images import Image
from docker.utils import parse_repository_tag

OFFLINE_BASE_IMAGE = "debugbox-base:bookworm"
SANDBOX_IMAGE = "debugbox-sandbox:latest"
DEFAULT_BASE_IMAGE = "python:3.11-slim"

# Found relative to this file so the build works from a checkout and from an
# installed wheel alike (Dockerfile and runner.py ship as package data).
CONTEXT_DIR = Path(__file__).resolve().parent
CONTEXT_FILES = ("Dockerfile", "runner.py")

RUNNER_LABEL = "io.debugbox.runner-sha256"

OFFLINE_HINT = (
    "run `debugbox image build-offline-base` then "
    "`debugbox image build --base-image debugbox-base:bookworm`"
)

# What the imported rootfs lacks compared with an image built by a Dockerfile:
# `docker import` gives it no config at all.
_OFFLINE_BASE_CHANGES = (
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "ENV LANG=C.UTF-8",
    'CMD ["python3"]',
)
_TAIL_LINES = 40
# The classic builder colours a step's stderr with ANSI escapes; they are
# noise in logs and exception messages.
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

Progress = Callable[[str], None]


def stderr_progress(line: str) -> None:
    """Default progress sink: one line to stderr, flushed so it shows live."""
    sys.stderr.write(line.rstrip("\n") + "\n")
    sys.stderr.flush()


def _silent(_line: str) -> None:
    pass


class ImageBuildError(RuntimeError):
    """An image could not be built; the message carries the failing step."""


class BaseImageUnavailable(ImageBuildError):
    """The base image is neither local nor pullable."""


# --------------------------------------------------------------------------
# Lookup
# --------------------------------------------------------------------------


def image_exists(tag: str, client: docker.DockerClient) -> bool:
    """True when the engine has ``tag`` locally (never pulls)."""
    try:
        client.images.get(tag)
    except docker.errors.ImageNotFound:
        return False
    return True


def _missing_base_message(base_image: str, reason: str) -> str:
    return (
        f"base image {base_image!r} is not available locally and could not be "
        f"pulled ({reason}). Without registry access, {OFFLINE_HINT}."
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


def ensure_sandbox_image(
    client: docker.DockerClient,
    tag: str = SANDBOX_IMAGE,
    base_image: str | None = None,
    progress: Progress | None = stderr_progress,
) -> Image:
    """Return the sandbox image, building it first if the engine lacks it."""
    try:
        image = client.images.get(tag)
    except docker.errors.ImageNotFound:
        base = base_image or _choose_base_image(client)
        _emit(progress, f"sandbox image {tag!r} not found; building it on {base!r}")
        return build_sandbox_image(tag=tag, base_image=base, client=client, progress=progress)
    labels = image.labels or {}
    if labels.get(RUNNER_LABEL) == runner_digest():
        return image
    # The image holds an older runner than this server speaks to: rebuild on the same base.
    recorded = labels.get("io.debugbox.base-image")
    base = base_image or (recorded if recorded and image_exists(recorded, client) else _choose_base_image(client))
    _emit(progress, f"sandbox image {tag!r} holds another runner version; rebuilding it on {base!r}")
    return build_sandbox_image(tag=tag, base_image=base, client=client, progress=progress)


def runner_digest(context_dir: Path | None = None) -> str:
    """sha256 of the runner the image must carry; a label on the image records it."""
    return hashlib.sha256(((context_dir or CONTEXT_DIR) / "runner.py").read_bytes()).hexdigest()


# --------------------------------------------------------------------------
# Sandbox image (docker SDK)
# --------------------------------------------------------------------------


def build_sandbox_image(
    tag: str = SANDBOX_IMAGE,
    base_image: str = DEFAULT_BASE_IMAGE,
    client: docker.DockerClient | None = None,
    progress: Progress | None = stderr_progress,
    context_dir: Path | None = None,
) -> Image:
    """Build ``tag`` from sandbox/Dockerfile on ``base_image``.

    ``context_dir`` defaults to this module's directory; it exists so tests
    can build from a copy. Raises BaseImageUnavailable (with the offline
    recipe) when the base can't be had, ImageBuildError otherwise.
    """
    return build_image(
        client or docker.from_env(),
        tag=tag,
        base_image=base_image,
        context=_context_tar(context_dir or CONTEXT_DIR),
        labels={RUNNER_LABEL: runner_digest(context_dir)},
        progress=progress,
    )


def build_image(
    client: docker.DockerClient,
    *,
    tag: str,
    base_image: str,
    context: IO[bytes],
    labels: dict[str, str] | None = None,
    progress: Progress | None = stderr_progress,
) -> Image:
    """Build a tar build context whose Dockerfile takes ``ARG BASE_IMAGE``, streaming the log."""
    _ensure_base_image(client, base_image, progress)
    tail: deque[str] = deque(maxlen=_TAIL_LINES)
    try:
        # The low-level API streams the log; images.build() only returns it
        # after the build has finished.
        events = client.api.build(
            fileobj=context,
            custom_context=True,
            tag=tag,
            buildargs={"BASE_IMAGE": base_image},
            labels={"io.debugbox.base-image": base_image, **(labels or {})},
            rm=True,
            forcerm=True,
            # The base was checked (or pulled) above; never hit a registry here.
            pull=False,
            decode=True,
        )
        error = _follow_build_log(events, tail, progress)
    except docker.errors.APIError as exc:
        error = str(exc)
    if error is not None:
        raise ImageBuildError(
            f"building {tag!r} on {base_image!r} failed: {error}\n"
            f"--- build log tail ---\n" + "\n".join(tail)
        )
    return client.images.get(tag)


def _ensure_base_image(
    client: docker.DockerClient, base_image: str, progress: Progress | None
) -> None:
    """Make the base local, pulling it once if needed.

    Done before the build so a missing base gives the offline recipe rather
    than a registry error buried in a build log.
    """
    if image_exists(base_image, client):
        return
    _emit(progress, f"base image {base_image!r} not present locally; pulling it")
    repository, tag = parse_repository_tag(base_image)
    try:
        for event in client.api.pull(repository, tag=tag or "latest", stream=True, decode=True):
            if "error" in event:
                raise BaseImageUnavailable(_missing_base_message(base_image, event["error"]))
            _emit_pull_event(event, progress)
    except docker.errors.APIError as exc:
        reason = exc.explanation or str(exc)
        raise BaseImageUnavailable(_missing_base_message(base_image, str(reason))) from exc
    if not image_exists(base_image, client):
        raise BaseImageUnavailable(_missing_base_message(base_image, "pull reported no image"))


def _emit_pull_event(event: dict[str, Any], progress: Progress | None) -> None:
    # Per-chunk download/extract ticks would flood the log; keep milestones.
    status = event.get("status", "")
    if status and not event.get("progressDetail"):
        layer = event.get("id")
        _emit(progress, f"{layer}: {status}" if layer else status)


def _follow_build_log(
    events: Iterable[dict[str, Any]], tail: deque[str], progress: Progress | None
) -> str | None:
    """Forward build output; return the daemon's error message, if any."""
    for event in events:
        if "error" in event:
            message = event.get("errorDetail", {}).get("message") or event["error"]
            message = _ANSI_ESCAPE.sub("", message).strip()
            tail.append(message)
            return message
        text = event.get("stream") or event.get("status")
        if not text:
            continue
        for line in _ANSI_ESCAPE.sub("", text).rstrip("\n").splitlines():
            tail.append(line)
            _emit(progress, line)
    return None


def _context_tar(context_dir: Path) -> io.BytesIO:
    """Pack exactly the files the Dockerfile needs.

    Sending the whole directory would drag in __pycache__, images.py and
    whatever else sits next to it (in site-packages, possibly a lot).
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


# --------------------------------------------------------------------------
# Offline base (debootstrap + docker import)
# --------------------------------------------------------------------------


def build_offline_base(
    tag: str = OFFLINE_BASE_IMAGE,
    suite: str = "bookworm",
    mirror: str | None = None,
    progress: Progress | None = stderr_progress,
) -> str:
    """Debootstrap a minimal Debian with python3 + pytest and import it as ``tag``.

    Needs root (debootstrap chroots and creates device nodes), the
    ``debootstrap`` and ``docker`` commands, and a reachable Debian mirror.
    Returns the tag.
    """
    _check_offline_prerequisites()
    rootfs_parent = Path(tempfile.mkdtemp(prefix="debugbox-rootfs-"))
    rootfs = rootfs_parent / "rootfs"
    try:
        _debootstrap(rootfs, suite, mirror, progress)
        _emit(progress, f"importing {rootfs} as {tag!r}")
        _import_rootfs(rootfs, tag, suite)
    finally:
        _remove_rootfs(rootfs_parent, progress)
    _emit(progress, f"offline base image {tag!r} ready")
    return tag


def _check_offline_prerequisites() -> None:
    if os.geteuid() != 0:
        raise ImageBuildError(
            "building the offline base image needs root (debootstrap chroots and "
            "creates device nodes): re-run as root, e.g. "
            "`sudo debugbox image build-offline-base`"
        )
    if shutil.which("debootstrap") is None:
        raise ImageBuildError(
            "debootstrap is not installed: run `apt-get install -y debootstrap`"
        )
    if shutil.which("docker") is None:
        raise ImageBuildError(
            "the docker CLI is not installed: run `apt-get install -y docker.io`"
        )


def _debootstrap(rootfs: Path, suite: str, mirror: str | None, progress: Progress | None) -> None:
    command = [
        "debootstrap",
        "--variant=minbase",
        "--include=python3,python3-pytest",
        suite,
        str(rootfs),
    ]
    if mirror:
        command.append(mirror)
    _emit(progress, "$ " + " ".join(command))
    tail: deque[str] = deque(maxlen=_TAIL_LINES)
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            tail.append(line.rstrip("\n"))
            _emit(progress, line)
    if proc.returncode != 0:
        raise ImageBuildError(_command_failure(command, proc.returncode, "\n".join(tail)))


def _import_rootfs(rootfs: Path, tag: str, suite: str) -> None:
    """Stream ``tar -c rootfs | docker import - tag`` without a temp tarball."""
    tar_cmd = [
        "tar",
        "--numeric-owner",
        # Downloaded .debs and apt lists are dead weight in the image.
        "--exclude=./var/cache/apt/archives/*.deb",
        "--exclude=./var/lib/apt/lists/*",
        "-C",
        str(rootfs),
        "-c",
        ".",
    ]
    import_cmd = ["docker", "import"]
    for change in _OFFLINE_BASE_CHANGES:
        import_cmd += ["--change", change]
    import_cmd += ["--message", f"debugbox offline base: debootstrap {suite} minbase", "-", tag]

    # stderr goes to temp files, not pipes: an unread pipe could fill and
    # stall tar mid-stream.
    with tempfile.TemporaryFile() as tar_err, tempfile.TemporaryFile() as import_err:
        tar = subprocess.Popen(tar_cmd, stdout=subprocess.PIPE, stderr=tar_err)
        assert tar.stdout is not None
        try:
            importer = subprocess.Popen(
                import_cmd, stdin=tar.stdout, stdout=subprocess.DEVNULL, stderr=import_err
            )
        finally:
            # Only the importer may hold the read end, so tar sees EPIPE
            # (instead of blocking forever) if the importer dies.
            tar.stdout.close()
        import_rc = importer.wait()
        tar_rc = tar.wait()
        if tar_rc != 0:
            raise ImageBuildError(_command_failure(tar_cmd, tar_rc, _read_tail(tar_err)))
        if import_rc != 0:
            raise ImageBuildError(_command_failure(import_cmd, import_rc, _read_tail(import_err)))


def _remove_rootfs(path: Path, progress: Progress | None) -> None:
    """Delete the temp rootfs, but never through a live mount.

    debootstrap bind-mounts /dev (and mounts /proc, /sys) inside the target
    when run in a container; if it was killed, those can survive, and
    rmtree would then delete host files through them.
    """
    for mountpoint in sorted(_mounts_below(path), key=len, reverse=True):
        subprocess.run(["umount", "-l", mountpoint], check=False, capture_output=True)
    leftover = _mounts_below(path)
    if leftover:
        _emit(progress, f"not removing {path}: still mounted: {', '.join(leftover)}")
        return
    shutil.rmtree(path, ignore_errors=True)


def _mounts_below(path: Path) -> list[str]:
    prefix = str(path.resolve()) + "/"
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return []
    mountpoints = []
    for line in lines:
        fields = line.split()
        if len(fields) < 2:
            continue
        # /proc/self/mounts escapes spaces and such as octal (\040).
        mountpoint = fields[1].encode().decode("unicode_escape")
        if mountpoint.startswith(prefix):
            mountpoints.append(mountpoint)
    return mountpoints


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _emit(progress: Progress | None, line: str) -> None:
    (progress or _silent)(line.rstrip("\n"))


def _read_tail(stream: IO[bytes], lines: int = _TAIL_LINES) -> str:
    stream.seek(0)
    text = stream.read().decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def _command_failure(command: list[str], returncode: int, tail: str) -> str:
    shown = " ".join(command)
    return f"`{shown}` failed with exit code {returncode}:\n{tail or '(no output)'}"
