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
