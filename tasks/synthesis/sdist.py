"""Fetch a package's source distribution with the host's pip and unpack it safely.

The archive is hostile input: members that leave the target directory (absolute paths, `..`,
links), device files, more than MAX_MEMBERS members or more than MAX_UNPACKED_BYTES in total are
refused. pip runs with the host's configuration (index, proxy, certificates), as
`python -m pip download --no-binary :all: --no-deps NAME==VERSION`.
"""

from __future__ import annotations

import email.parser
import re
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from packaging.requirements import InvalidRequirement, Requirement

MAX_MEMBERS = 5_000
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
DOWNLOAD_TIMEOUT_S = 300


class SdistError(Exception):
    """A package whose source cannot be had or used; the message names the package."""


@dataclass(frozen=True)
class Sdist:
    requirement: str  # "name==version" as asked
    root: Path  # the unpacked source tree
    requires: tuple[str, ...]  # runtime Requires-Dist (extras dropped), PEP 508
    licence: Path | None  # the licence file, if the sdist ships one


def parse_pin(text: str) -> tuple[str, str]:
    """'name==version' -> (name, version); anything else is refused with the text named."""
    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        raise SdistError(f"package {text!r} is not a requirement like NAME==VERSION: {exc}") from None
    pins = [s.version for s in req.specifier if s.operator == "=="]
    if len(list(req.specifier)) != 1 or not pins or "*" in pins[0] or req.url or req.extras or req.marker:
        raise SdistError(f"package {text!r} must be pinned exactly, like {req.name}==1.2.3 (synthesis is reproducible only from a fixed version)")
    return req.name, pins[0]


def download(requirement: str, dest: Path) -> Path:
    """The sdist archive of `requirement` in dest (downloaded once; a second call finds it)."""
    name, version = parse_pin(requirement)
    dest.mkdir(parents=True, exist_ok=True)
    found = _find_archive(dest, name, version)
    if found:
        return found
    command = [sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps",
               "--quiet", "--disable-pip-version-check", "-d", str(dest), f"{name}=={version}"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=DOWNLOAD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise SdistError(f"package {requirement}: pip download took longer than {DOWNLOAD_TIMEOUT_S} s") from None
    found = _find_archive(dest, name, version)
    if done.returncode != 0 or not found:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise SdistError(f"package {requirement}: pip found no source distribution ({' / '.join(tail) or 'no output'})")
    return found


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _find_archive(dest: Path, name: str, version: str) -> Path | None:
    for path in sorted(dest.iterdir()):
        stem = path.name.removesuffix(".tar.gz").removesuffix(".zip").removesuffix(".tgz")
        if stem != path.name and _norm(stem) == _norm(f"{name}-{version}"):
            return path
    return None


def _safe_member(name: str) -> PurePosixPath:
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts or "\\" in name:
        raise SdistError(f"archive member {name!r} would leave the unpack directory")
    return pure


def unpack(archive: Path, dest: Path) -> Path:
    """Unpack into dest (which must not exist yet) and return the single top directory."""
    dest.mkdir(parents=True)
    total = 0
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_MEMBERS:
                raise SdistError(f"{archive.name} has more than {MAX_MEMBERS} members")
            for info in infos:
                pure = _safe_member(info.filename)
                if info.is_dir():
                    continue
                total += info.file_size
                if total > MAX_UNPACKED_BYTES:
                    raise SdistError(f"{archive.name} unpacks to more than {MAX_UNPACKED_BYTES} bytes")
                target = dest.joinpath(*pure.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as out:
                    out.write(src.read(MAX_UNPACKED_BYTES + 1))
    else:
        with tarfile.open(archive) as tf:
            members = []
            for member in tf:
                if len(members) >= MAX_MEMBERS:
                    raise SdistError(f"{archive.name} has more than {MAX_MEMBERS} members")
                _safe_member(member.name)
                if not (member.isfile() or member.isdir()):
                    continue  # links, devices, fifos: a source tree needs none of them
                total += member.size
                if total > MAX_UNPACKED_BYTES:
                    raise SdistError(f"{archive.name} unpacks to more than {MAX_UNPACKED_BYTES} bytes")
                members.append(member)
            tf.extractall(dest, members=members, filter="data")
    tops = [p for p in dest.iterdir()]
    if len(tops) != 1 or not tops[0].is_dir():
        raise SdistError(f"{archive.name} does not hold one top directory")
    return tops[0]


def read_requires(root: Path) -> tuple[str, ...]:
    """The runtime dependencies from PKG-INFO (Requires-Dist without an `extra` marker)."""
    pkg_info = root / "PKG-INFO"
    if not pkg_info.is_file():
        return ()
    message = email.parser.Parser().parsestr(pkg_info.read_text(encoding="utf-8", errors="replace"))
    requires = []
    for line in message.get_all("Requires-Dist") or []:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        if req.marker is not None and "extra" in str(req.marker):
            continue
        if req.marker is not None and not req.marker.evaluate():
            continue
        req.marker = None
        requires.append(str(req))
    return tuple(sorted(set(requires)))


LICENCE_NAMES = ("LICENSE", "LICENSE.txt", "LICENSE.md", "LICENSE.rst", "LICENCE", "LICENCE.txt", "COPYING", "COPYING.txt")


def find_licence(root: Path) -> Path | None:
    for name in LICENCE_NAMES:
        if (root / name).is_file():
            return root / name
    return None


def fetch(requirement: str, cache: Path) -> Sdist:
    """Download (once) and unpack (once) `requirement` under cache; read what synthesis needs."""
    name, version = parse_pin(requirement)
    archive = download(requirement, cache / "sdists")
    unpacked = cache / "src" / f"{_norm(name)}-{version}"
    if not unpacked.is_dir():
        staging = cache / "src" / f".{_norm(name)}-{version}.partial"
        if staging.exists():
            import shutil

            shutil.rmtree(staging)
        top = unpack(archive, staging)
        top.rename(unpacked)
        staging.rmdir()
    return Sdist(requirement=f"{name}=={version}", root=unpacked, requires=read_requires(unpacked), licence=find_licence(unpacked))
