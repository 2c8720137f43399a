"""Run a package's tests on the host the way a task's sandbox runs them.

The workspace has the task's shape: the package at its root, the test files under their task
directory (`hidden_tests/...`); pytest runs with the runner's arguments (rootdir = workspace,
importlib import mode, no plugin autoload, the workspace first on sys.path), plus
`outcome_plugin` for per-test timeouts and outcomes as JSON. A run past `run_timeout_s` is
killed and reported as None.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PLUGIN_DIR = Path(__file__).parent


def write_tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


@dataclass(frozen=True)
class SuiteRun:
    outcomes: dict[str, str]  # nodeid -> passed | failed | skipped | timeout | error ("<collect>path" for a module that failed to import)
    messages: dict[str, str]  # nodeid -> first line of its failure
    seconds: float

    @property
    def passed(self) -> frozenset[str]:
        return frozenset(n for n, o in self.outcomes.items() if o == "passed")


def run_suite(python: Path, files: dict[str, str], targets: list[str], *, test_timeout_s: float, run_timeout_s: float, scratch: Path | None = None) -> SuiteRun | None:
    """Every test's outcome, or None when the whole run went past run_timeout_s."""
    workspace = Path(tempfile.mkdtemp(prefix="synth-ws-", dir=scratch))
    try:
        write_tree(workspace, files)
        outcomes = workspace.parent / f"{workspace.name}.json"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": f"{workspace}{os.pathsep}{PLUGIN_DIR}",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
            "HOME": str(workspace),
            "TMPDIR": str(workspace),
            "LANG": "C.UTF-8",
            "TZ": "UTC",
            "SYNTH_OUTCOMES": str(outcomes),
            "SYNTH_TEST_TIMEOUT_S": str(test_timeout_s),
        }
        command = [str(python), "-m", "pytest", *targets, "-q", "-p", "outcome_plugin", "--rootdir", str(workspace),
                   "--import-mode=importlib", "-p", "no:cacheprovider", "--continue-on-collection-errors", "--color=no"]
        started = time.monotonic()
        try:
            subprocess.run(command, cwd=workspace, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=run_timeout_s, start_new_session=True)
        except subprocess.TimeoutExpired:
            return None
        try:
            data = json.loads(outcomes.read_text(encoding="utf-8"))
            return SuiteRun(dict(data["outcomes"]), dict(data["messages"]), time.monotonic() - started)
        except (OSError, ValueError, KeyError, TypeError):
            return SuiteRun({}, {}, time.monotonic() - started)
        finally:
            outcomes.unlink(missing_ok=True)
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
