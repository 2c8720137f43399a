"""Install a task environment's wheels into this interpreter's site-packages, without pip.

Runs inside an environment image build (sandbox images need not have pip) and in a local
backend's venv, with the standard library only. Usage:

    python3 install_wheels.py WHEEL_DIR [--require-no-network]

A wheel is a zip of its import tree plus `<name>.data/{purelib,platlib}`; nothing is compiled
from source. A distribution already in the target (pytest in a pip-made base, say) is removed
first by its RECORD, so two versions never mix. Every installed module is byte-compiled, since
the sandbox's root filesystem is read-only at run time. `--require-no-network` refuses to run
where any network interface besides loopback exists: the proof that an image build is offline.
"""

import compileall
import csv
import re
import shutil
import socket
import sys
import sysconfig
import zipfile
from pathlib import Path


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _installed(target: Path) -> dict[str, Path]:
    found = {}
    for info in target.glob("*.dist-info"):
        found[_canonical(info.name[: -len(".dist-info")].rsplit("-", 1)[0])] = info
    return found


def _remove(info: Path, target: Path) -> None:
    record = info / "RECORD"
    if record.is_file():
        with record.open(newline="") as handle:
            for row in csv.reader(handle):
                if not row:
                    continue
                path = (target / row[0]).resolve()
                if path.is_relative_to(target.resolve()) and path.is_file():
                    path.unlink()
    shutil.rmtree(info, ignore_errors=True)


def install(wheel: Path, target: Path) -> list[Path]:
    name = _canonical(wheel.name.split("-", 1)[0])
    previous = _installed(target).get(name)
    if previous is not None:
        _remove(previous, target)
    written = []
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.infolist():
            parts = Path(member.filename).parts
            if not parts or ".." in parts or Path(member.filename).is_absolute():
                raise SystemExit(f"{wheel.name}: unsafe path {member.filename!r}")
            if len(parts) > 2 and parts[0].endswith(".data") and parts[1] in ("purelib", "platlib"):
                destination = target.joinpath(*parts[2:])
            elif parts[0].endswith(".data"):
                continue  # scripts, headers, data: the runner imports modules, it runs no console scripts
            else:
                destination = target.joinpath(*parts)
            if member.is_dir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(archive.read(member))
            written.append(destination)
    return written


def only_loopback() -> bool:
    try:
        return {name for _, name in socket.if_nameindex()} <= {"lo"}
    except OSError:
        return True  # no interfaces to list at all


def main(argv: list[str]) -> int:
    if not argv or argv[0].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    wheel_dir = Path(argv[0])
    if "--require-no-network" in argv[1:] and not only_loopback():
        print("refusing to install: this build can reach a network (an interface besides loopback exists)", file=sys.stderr)
        return 3
    wheels = sorted(wheel_dir.glob("*.whl"))
    if not wheels:
        print(f"no wheels in {wheel_dir}", file=sys.stderr)
        return 1
    target = Path(sysconfig.get_paths()["purelib"])
    target.mkdir(parents=True, exist_ok=True)
    for wheel in wheels:
        for path in install(wheel, target):
            if path.suffix == ".py":
                compileall.compile_file(str(path), quiet=2)
    print(f"installed {len(wheels)} wheel(s) into {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
