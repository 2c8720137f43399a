"""Task environments for the local backend: a venv per environment, from the same wheelhouse.

The venv is made without pip and gets the wheels through the same stdlib installer the images
use; a `.pth` file appends this interpreter's site directories (where pytest lives) after the
venv's own, so the environment's packages win and the runner still finds pytest. It is named by
the digest of the host interpreter, the requirements and the wheel hashes, made in a scratch
directory and renamed into place when complete, so a half-made venv is never used and two
servers making the same one at once both end with a whole one.

Blocking (subprocesses and file I/O): the provider calls it in a worker thread.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import site
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

from sandbox.environment_request import EnvironmentBuildError, EnvironmentRequest
from sandbox.wheelhouse import INSTALLER, Progress, TargetPython, default_wheel_cache, fetch_wheels

VENV_CACHE_ENV = "DEBUGBOX_VENV_CACHE"
COMPLETE_MARKER = ".debugbox-complete"
HOST_SITE_PTH = "_debugbox_host_site.pth"
STEP_TIMEOUT_S = 300.0


def default_venv_cache() -> Path:
    return Path(os.environ.get(VENV_CACHE_ENV) or Path.home() / ".cache" / "debugbox" / "venvs")


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def host_site_dirs() -> list[str]:
    """This interpreter's site directories and the one its pytest comes from (in the OpenEnv image,
    a directory a `.pth` adds, which a venv would not process), for the venv to fall back on."""
    pytest_spec = importlib.util.find_spec("pytest")
    pytest_home = [str(Path(pytest_spec.origin).parent.parent)] if pytest_spec and pytest_spec.origin else []
    dirs = [*site.getsitepackages(), *(p for p in sys.path if p.rstrip("/").endswith(("site-packages", "dist-packages"))), *pytest_home]
    return [d for d in dict.fromkeys(dirs) if Path(d).is_dir()]


def prepare_venv(
    request: EnvironmentRequest, wheel_cache: Path | None = None, venv_cache: Path | None = None, progress: Progress | None = None
) -> tuple[Path, bool]:
    """The interpreter of the venv holding `request`'s packages, and whether it was made now."""
    wheelhouse = fetch_wheels(request, TargetPython.host(), wheel_cache or default_wheel_cache(), progress)
    cache = venv_cache or default_venv_cache()
    identity = {"python": os.path.realpath(sys.executable), "version": sys.version, "requirements": list(request.requirements), "wheels": sorted(wheelhouse.wheels.items())}
    final = cache / hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:32]
    if (final / COMPLETE_MARKER).is_file():
        return venv_python(final), False
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".venv-", dir=cache))
    try:
        _step([sys.executable, "-m", "venv", "--without-pip", str(work)], "creating the venv")
        python = str(venv_python(work))
        _step([python, "-I", str(INSTALLER), str(wheelhouse.directory)], f"installing {request.describe()}")
        purelib = _step([python, "-I", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], "locating the venv").strip()
        Path(purelib, HOST_SITE_PTH).write_text("\n".join(host_site_dirs()) + "\n")
        names = [name for name, line in zip(request.names, request.requirements) if ";" not in line]
        check = "import importlib.metadata as m, sys, pytest; [m.version(n) for n in sys.argv[1:]]"
        _step([python, "-I", "-c", check, *names], "checking the venv imports pytest and has every package")
        (work / COMPLETE_MARKER).write_text(json.dumps(identity))
        try:
            os.replace(work, final)
        except OSError:  # another server made the same venv first: use theirs
            if not (final / COMPLETE_MARKER).is_file():
                raise
        return venv_python(final), True
    finally:
        shutil.rmtree(work, ignore_errors=True)


def restore_modes(venv: Path) -> int:
    """Give every directory of the venv 0755 and every file at least 0444 again; how many needed it.

    A confined run only reads its environment's venv (Landlock), but Landlock has no right for
    chmod and the venv shares the runs' uid: a run that took the permissions off it (chmod 000)
    would break every later episode of that environment. Symlinks are left alone (never followed)."""
    fixed = 0
    try:
        os.chmod(venv, 0o755, follow_symlinks=False)
    except OSError:
        return 0
    for directory, subdirectories, files in os.walk(venv):
        for name in subdirectories:
            path = os.path.join(directory, name)
            info = os.lstat(path)
            if stat.S_ISDIR(info.st_mode) and stat.S_IMODE(info.st_mode) != 0o755:
                os.chmod(path, 0o755)
                fixed += 1
        for name in files:
            path = os.path.join(directory, name)
            info = os.lstat(path)
            if stat.S_ISREG(info.st_mode) and (info.st_mode & 0o444) != 0o444:
                os.chmod(path, stat.S_IMODE(info.st_mode) | 0o644)
                fixed += 1
    return fixed


def restore_owner_access(directory: Path) -> None:
    """Give the owner (us) rwx back on `directory` and each of its ancestors we own. A confined run
    shares our uid and may chmod 000 a parent of its venv (it knows the path: sys.prefix), so that no
    later episode could start, nor any environment be made (the caches share that tree)."""
    uid = os.geteuid()
    for path in (directory, *directory.parents):
        try:
            info = os.lstat(path)
        except OSError:
            continue  # not made yet
        if info.st_uid != uid or not stat.S_ISDIR(info.st_mode):
            return  # not ours (/tmp, /home): nothing below it of ours to give back from here up
        if info.st_mode & 0o700 != 0o700:
            os.chmod(path, stat.S_IMODE(info.st_mode) | 0o700)


def _step(command: list[str], doing: str) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=STEP_TIMEOUT_S, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise EnvironmentBuildError(f"{doing} did not finish within {STEP_TIMEOUT_S:.0f} s") from None
    if result.returncode != 0:
        raise EnvironmentBuildError(f"{doing} failed: {(result.stderr or result.stdout).strip()[-1500:]}")
    return result.stdout
