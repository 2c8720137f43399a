"""The offline base image: a minimal Debian with python3 and pytest, made with debootstrap and
imported into the engine, for machines that reach a Debian mirror but no container registry.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections import deque
from pathlib import Path
from typing import IO

from sandbox.images.build import TAIL_LINES, ImageBuildError, Progress, emit, stderr_progress

OFFLINE_BASE_IMAGE = "debugbox-base:bookworm"

# What the imported rootfs lacks compared with an image built by a Dockerfile:
# `docker import` gives it no config at all.
_OFFLINE_BASE_CHANGES = (
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "ENV LANG=C.UTF-8",
    'CMD ["python3"]',
)


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
        emit(progress, f"importing {rootfs} as {tag!r}")
        _import_rootfs(rootfs, tag, suite)
    finally:
        _remove_rootfs(rootfs_parent, progress)
    emit(progress, f"offline base image {tag!r} ready")
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
    emit(progress, "$ " + " ".join(command))
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            tail.append(line.rstrip("\n"))
            emit(progress, line)
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
        emit(progress, f"not removing {path}: still mounted: {', '.join(leftover)}")
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


def _read_tail(stream: IO[bytes], lines: int = TAIL_LINES) -> str:
    stream.seek(0)
    text = stream.read().decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def _command_failure(command: list[str], returncode: int, tail: str) -> str:
    shown = " ".join(command)
    return f"`{shown}` failed with exit code {returncode}:\n{tail or '(no output)'}"
