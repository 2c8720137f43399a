"""Helpers for the OpenEnv tests: a real `debugbox serve-openenv` subprocess, and a virtualenv with
the released OpenEnv client (openenv-core pins MCP SDK 1.x, so it cannot share our environment)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.helpers import free_port

ROOT = Path(__file__).resolve().parents[1]
OPENENV_CLIENT = os.environ.get("DEBUGBOX_OPENENV_CLIENT", "openenv-core==0.3.0")
CACHE = Path(os.environ.get("DEBUGBOX_TEST_CACHE", Path.home() / ".cache" / "debugbox"))


@contextmanager
def openenv_server(*args: str, timeout_s: float = 60):
    """`python -m cli serve-openenv` of this checkout on a free loopback port; yields (process, base_url)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve-openenv", "--port", str(port), *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"},
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"serve-openenv exited early: {process.stderr.read().decode()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base_url}/health", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError("serve-openenv did not answer /health in time") from None
                time.sleep(0.1)
        yield process, base_url
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        process.stderr.close()


def descendants(pid: int) -> set[int]:
    """Every live process below pid (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] == "Z":
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def openenv_venv() -> Path:
    """A virtualenv with the released OpenEnv client, made once under the cache dir; its python."""
    venv = CACHE / ("openenv-client-" + OPENENV_CLIENT.replace("==", "-"))
    python = venv / "bin" / "python"
    if python.exists() and subprocess.run([python, "-c", "import openenv.core.mcp_client"], capture_output=True).returncode == 0:
        return python
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    install = subprocess.run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", OPENENV_CLIENT], capture_output=True, text=True)
    if install.returncode != 0:
        pytest.skip(f"cannot install {OPENENV_CLIENT} (no package index?): {install.stderr[-500:]}")
    return python
