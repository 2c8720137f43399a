"""Install wheels by unpacking them into one directory (for images whose Python has no pip).

A wheel is a zip of its import tree plus `<name>.data/{purelib,platlib}` for files that belong
there too; nothing needs compiling. Usage: install_wheels.py TARGET WHEEL_DIR
"""

import sys
import zipfile
from pathlib import Path


def install(wheel: Path, target: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.infolist():
            parts = Path(member.filename).parts
            if len(parts) > 2 and parts[0].endswith(".data") and parts[1] in ("purelib", "platlib"):
                destination = target.joinpath(*parts[2:])
            elif parts and parts[0].endswith(".data"):
                continue  # scripts and headers: the image starts the server with `python3 -m`
            else:
                destination = target.joinpath(*parts)
            if member.is_dir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(archive.read(member))


def main() -> int:
    target, wheel_dir = Path(sys.argv[1]), Path(sys.argv[2])
    wheels = sorted(wheel_dir.glob("*.whl"))
    if not wheels:
        print(f"no wheels in {wheel_dir}", file=sys.stderr)
        return 1
    target.mkdir(parents=True, exist_ok=True)
    for wheel in wheels:
        install(wheel, target)
    print(f"installed {len(wheels)} wheels into {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
