"""The host side of a task environment: the wheels of an EnvironmentRequest, downloaded once.

`python -m pip` runs as the host user runs it, so the host's pip configuration (index, extra
indexes, find-links, proxy, certificates, constraints) applies. Binary wheels for the sandbox's
interpreter and platform are asked for first (`pip download --only-binary=:all:` with the target's
version, ABIs and platforms); a requirement that only has an sdist is then built into a wheel on
the host with `pip wheel`, which is only right when the host runs the same Python, so every wheel
is finally checked against the target's tags. The result is a directory of wheels with a manifest
of their sha256, kept in the wheel cache under the request's and the target's digests, so a
second server, a second backend or a rebuilt image never downloads them again.

Blocking (subprocesses and file I/O): call it in a worker thread.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from packaging.tags import sys_tags
from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from pydantic import BaseModel, ConfigDict

from sandbox.environment_request import EnvironmentBuildError, EnvironmentRequest

log = logging.getLogger(__name__)

WHEEL_CACHE_ENV = "DEBUGBOX_WHEEL_CACHE"
# "1": never build an sdist on the host (its build script would run here as the server's user).
ONLY_BINARY_ENV = "DEBUGBOX_ONLY_BINARY"
# The stdlib installer both backends run inside the target interpreter (an image build, a venv).
INSTALLER = Path(__file__).parent / "images" / "install_wheels.py"
PIP_TIMEOUT_S = 900.0  # one pip call; an sdist build may be slow, a hung index must not be forever
MANIFEST = "manifest.json"
PIP_TAIL_CHARS = 1500

Progress = Callable[[str], None]


def default_wheel_cache() -> Path:
    return Path(os.environ.get(WHEEL_CACHE_ENV) or Path.home() / ".cache" / "debugbox" / "wheels")


class TargetPython(BaseModel):
    """The interpreter the wheels are for: its version and every tag it accepts, best first."""

    model_config = ConfigDict(frozen=True)

    version: str  # "3.11"
    implementation: str  # "cp"
    tags: tuple[str, ...]

    @classmethod
    def host(cls) -> TargetPython:
        return cls(version=f"{sys.version_info[0]}.{sys.version_info[1]}", implementation=_implementation(), tags=tuple(str(t) for t in sys_tags()))

    @property
    def key(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()

    def is_host(self) -> bool:
        host = TargetPython.host()
        return (self.version, self.implementation) == (host.version, host.implementation)

    def pip_target_options(self) -> list[str]:
        abis = sorted({t.split("-")[1] for t in self.tags})
        platforms = sorted({t.split("-")[2] for t in self.tags} - {"any"})
        options = ["--python-version", self.version, "--implementation", self.implementation]
        for abi in abis:
            options += ["--abi", abi]
        for platform in platforms:
            options += ["--platform", platform]
        return options

    def accepts(self, wheel_name: str) -> bool:
        try:
            _, _, _, tags = parse_wheel_filename(wheel_name)
        except InvalidWheelFilename:
            return False
        accepted = set(self.tags)
        return any(str(tag) in accepted for tag in tags)


def _implementation() -> str:
    return {"cpython": "cp", "pypy": "pp"}.get(sys.implementation.name, sys.implementation.name)


class Wheelhouse(BaseModel):
    """Downloaded wheels of one request for one target, with their sha256 (the manifest)."""

    model_config = ConfigDict(frozen=True)

    directory: Path
    wheels: dict[str, str]  # file name -> sha256

    @property
    def digest(self) -> str:
        return hashlib.sha256(json.dumps(sorted(self.wheels.items())).encode()).hexdigest()

    def paths(self) -> list[Path]:
        return [self.directory / name for name in sorted(self.wheels)]


def fetch_wheels(request: EnvironmentRequest, target: TargetPython, cache: Path | None = None, progress: Progress | None = None) -> Wheelhouse:
    """The wheels of `request` for `target`, from the cache or downloaded now. Raises
    EnvironmentBuildError naming the package pip could not find or build."""
    cache = cache or default_wheel_cache()
    final = cache / f"{request.key[:24]}-{target.key[:12]}"
    cached = _read_manifest(final)
    if cached is not None:
        return cached
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".download-", dir=cache))
    try:
        _say(progress, f"downloading wheels for {request.describe()}")
        wheels_dir = work / "wheels"
        wheels_dir.mkdir()
        # Only the parsed, canonical requirements reach pip, as arguments after `--` (never options,
        # and no requirements file for pip to expand variables or strip comments in).
        _download(list(request.requirements), wheels_dir, target, progress)
        wheels = {p.name: _sha256(p) for p in sorted(wheels_dir.glob("*.whl"))}
        if not wheels:
            raise EnvironmentBuildError(f"pip produced no wheel for {request.describe()}")
        unfit = [name for name in wheels if not target.accepts(name)]
        if unfit:
            raise EnvironmentBuildError(
                f"package {parse_wheel_filename(unfit[0])[0]!r}: its wheel {unfit[0]} does not fit the sandbox's Python "
                f"{target.version} ({target.tags[0]}); the index has no wheel for it, and one built on this host does not run there",
                package=str(parse_wheel_filename(unfit[0])[0]),
            )
        (wheels_dir / MANIFEST).write_text(json.dumps({"requirements": list(request.requirements), "wheels": wheels}, indent=1))
        if final.exists() and _read_manifest(final) is None:
            shutil.rmtree(final, ignore_errors=True)  # a damaged cache entry (a wheel changed or gone): replaced
        try:
            os.replace(wheels_dir, final)
        except OSError:  # another process finished the same download first: use theirs
            if _read_manifest(final) is None:
                raise
        house = _read_manifest(final)
        assert house is not None
        _say(progress, f"{len(house.wheels)} wheel(s) ready: {', '.join(sorted(house.wheels))}")
        return house
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _read_manifest(directory: Path) -> Wheelhouse | None:
    """The cached wheelhouse if its manifest is there and every wheel still has its hash."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
        wheels = {str(k): str(v) for k, v in manifest["wheels"].items()}
    except (OSError, ValueError, KeyError, AttributeError):
        return None
    if not wheels or any(not (directory / name).is_file() or _sha256(directory / name) != digest for name, digest in wheels.items()):
        return None
    return Wheelhouse(directory=directory, wheels=wheels)


def _download(requirements: list[str], into: Path, target: TargetPython, progress: Progress | None) -> None:
    base = [sys.executable, "-m", "pip"]
    quiet = ["--disable-pip-version-check", "--no-input", "--progress-bar", "off"]
    binary = _pip([*base, "download", *quiet, "--only-binary=:all:", *target.pip_target_options(), "-d", str(into), "--", *requirements])
    if binary.returncode == 0:
        return
    if not target.is_host() or os.environ.get(ONLY_BINARY_ENV, "").strip() == "1":
        raise _pip_failure(binary, "downloading binary wheels")
    # Some requirement has no fitting binary wheel: let pip build it (and fetch the rest) on this
    # host, which runs the same Python; the tag check afterwards catches a wheel that would not run there.
    _say(progress, "no binary wheel for every requirement; building the missing ones on this host with pip wheel")
    for stale in into.iterdir():
        stale.unlink()
    built = _pip([*base, "wheel", *quiet, "-w", str(into), "--", *requirements])
    if built.returncode != 0:
        raise _pip_failure(built, "building wheels")


def _pip(command: list[str]) -> subprocess.CompletedProcess[str]:
    log.debug("running %s", " ".join(command))
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT_S, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise EnvironmentBuildError(f"pip did not finish within {PIP_TIMEOUT_S:.0f} s (is the package index reachable?)") from None


_NOT_FOUND = re.compile(r"(?:No matching distribution found for|Could not find a version that satisfies the requirement) ([^\s;]+)")
_NOT_BUILT = re.compile(r"(?:Failed building wheel for|Failed to build|Could not build wheels for) ([^\s,;]+)")
_COMPILER = re.compile(r"(command '[^']*' failed|gcc|cc1|No such file or directory|Microsoft Visual C\+\+|compiler)", re.IGNORECASE)


def _pip_failure(result: subprocess.CompletedProcess[str], doing: str) -> EnvironmentBuildError:
    output = (result.stderr or "") + (result.stdout or "")
    if "No module named pip" in output:
        return EnvironmentBuildError(f"{sys.executable} has no pip: task environments need `python -m pip` on the server's machine to download wheels")
    tail = output.strip()[-PIP_TAIL_CHARS:]
    if found := _NOT_FOUND.search(output):
        package = found.group(1)
        return EnvironmentBuildError(
            f"package {_name(package)!r}: no release on the package index satisfies {package!r} (an unknown package, or a "
            f"version that does not exist). pip said: {_last_error(output)}",
            package=_name(package),
        )
    if built := _NOT_BUILT.search(output):
        package = built.group(1)
        why = "it has no wheel for the sandbox and building it from source failed"
        if _COMPILER.search(output):
            why += " (it needs a compiler or build tool that is missing or failed on this host)"
        return EnvironmentBuildError(f"package {_name(package)!r}: {why}. pip said: {_last_error(output)}", package=_name(package))
    return EnvironmentBuildError(f"pip failed {doing} (exit {result.returncode}): {tail}")


def _last_error(output: str) -> str:
    errors = [line.strip() for line in output.splitlines() if line.strip().startswith(("ERROR", "error"))]
    return (errors[-1] if errors else output.strip().splitlines()[-1] if output.strip() else "nothing")[:400]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ (]", requirement, maxsplit=1)[0]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _say(progress: Progress | None, line: str) -> None:
    if progress is not None:
        progress(line)
    else:
        log.info("%s", line)
