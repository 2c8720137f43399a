"""A host venv per dependency set, where a package's suite runs during synthesis.

It holds the package's declared dependencies and the pytest the sandbox image has, nothing of the
host: a test that needs anything else fails on the pristine source and is never kept, exactly as it
would fail in a task's sandbox. Venvs are cached by the digest of what they hold.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import venv as stdlib_venv
from pathlib import Path

# The sandbox image's pytest (Debian's python3-pytest): outcomes here must match the sandbox's.
SANDBOX_PYTEST = "pytest==7.2.1"
INSTALL_TIMEOUT_S = 600


class VenvError(Exception):
    pass


def venv_python(cache: Path, requires: tuple[str, ...]) -> Path:
    """The interpreter of the cached venv holding `requires` + pytest, created on first use."""
    wanted = sorted({*requires, SANDBOX_PYTEST})
    digest = hashlib.sha256(json.dumps(wanted).encode()).hexdigest()[:16]
    home = cache / "venvs" / digest
    python = home / "bin" / "python"
    if (home / ".complete").is_file():
        return python
    if home.exists():
        shutil.rmtree(home)
    stdlib_venv.EnvBuilder(with_pip=False, clear=True).create(home)
    # The host's pip installs into the venv (--python): no pip bootstrap per venv.
    command = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--disable-pip-version-check", *wanted]
    done = subprocess.run(command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
    if done.returncode != 0:
        tail = " / ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
        raise VenvError(f"cannot install {', '.join(wanted)} into a venv: {tail}")
    (home / ".complete").write_text("\n".join(wanted) + "\n")
    return python


def pinned(python: Path, requires: tuple[str, ...]) -> tuple[str, ...]:
    """`requires` pinned to the versions the venv holds (`tzdata` -> `tzdata==2025.2`): a task's
    sandbox then gets exactly what its tests passed with here."""
    if not requires:
        return ()
    from packaging.requirements import Requirement

    names = [Requirement(r).name for r in requires]
    script = "import json, sys\nfrom importlib.metadata import version\nprint(json.dumps({n: version(n) for n in sys.argv[1:]}))"
    done = subprocess.run([str(python), "-c", script, *names], capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise VenvError(f"cannot read the installed versions of {', '.join(names)}: {done.stderr.strip()[-300:]}")
    versions = json.loads(done.stdout)
    return tuple(sorted(f"{name}=={versions[name]}" for name in names))
