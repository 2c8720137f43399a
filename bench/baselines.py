"""What a step costs without debugbox, on the same files in the same run:

* `docker exec <c> python3 -m pytest` in a running container of the same image and hardening
  (through the docker CLI and through docker-py's `exec_run`), and `docker exec <c> true`;
* `docker run --rm ... pytest`: a fresh container of the same image and hardening per run;
* the floor: pytest in a warm process on the host, the runner itself (`sandbox/runner.py`, which
  has imported pytest and forks a child per run) driven over its stdin/stdout, no container, no MCP.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.measure import REPO
from bench.taskpack import tar_of
from sandbox.docker.provider import DockerSettings

BASELINE_LABEL = "io.debugbox-bench"  # deliberately not io.debugbox: no server may reap it
PYTEST = ["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]


def hardening(settings: DockerSettings) -> list[str]:
    """The backend's `docker run` flags (sandbox/docker/container.py), minus its own entry point."""
    uid, _, gid = settings.user.partition(":")
    return [
        "--label", f"{BASELINE_LABEL}=1",
        "--network", "none",
        "--cap-drop", "ALL",
        "--security-opt", "no-new-privileges",
        "--read-only",
        "--tmpfs", f"/tmp:size={settings.tmp_mb}m,mode=1777",
        "--memory", f"{settings.memory_mb}m",
        "--memory-swap", f"{settings.memory_mb}m",
        "--pids-limit", str(settings.pids),
        "--cpus", str(settings.cpus),
        "--ipc", "private",
        "--user", settings.user,
        "-e", "PYTHONDONTWRITEBYTECODE=1",
    ]  # fmt: skip


def start_exec_container(settings: DockerSettings) -> str:
    uid, _, gid = settings.user.partition(":")
    tmpfs = f"/workspace:size={settings.workspace_mb}m,uid={uid},gid={gid or uid},mode=0755"
    command = ["docker", "run", "-d", *hardening(settings), "--tmpfs", tmpfs, "--entrypoint", "sleep", settings.image, "infinity"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def copy_into(container_id: str, directory: str, files: dict[str, str]) -> None:
    # `docker cp` cannot write into a tmpfs mount (it writes the layer beneath): untar from inside.
    subprocess.run(["docker", "exec", container_id, "mkdir", "-p", directory], check=True, capture_output=True)
    subprocess.run(["docker", "exec", "-i", container_id, "tar", "-x", "-C", directory], input=tar_of(files), check=True, capture_output=True)


def exec_cli(container_id: str, argv: list[str], workdir: str = "/workspace") -> tuple[float, int, str]:
    started = time.perf_counter()
    done = subprocess.run(["docker", "exec", "-w", workdir, container_id, *argv], capture_output=True, text=True, check=False)
    return (time.perf_counter() - started) * 1000, done.returncode, done.stdout


def exec_sdk(container, argv: list[str], workdir: str = "/workspace") -> tuple[float, int, str]:
    started = time.perf_counter()
    done = container.exec_run(argv, workdir=workdir)
    return (time.perf_counter() - started) * 1000, done.exit_code, done.output.decode(errors="replace")


def run_rm(settings: DockerSettings, host_dir: Path) -> tuple[float, int, str]:
    """A fresh hardened container per run; the files bind-mounted read-only (cheaper than a tmpfs
    filled by `docker exec tar`, so this favours the baseline)."""
    command = [
        "docker", "run", "--rm", *hardening(settings),
        "-v", f"{host_dir}:/workspace:ro", "-w", "/workspace",
        "--entrypoint", "python3", settings.image, *PYTEST[1:],
    ]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    return (time.perf_counter() - started) * 1000, done.returncode, done.stdout + done.stderr[-300:]


def remove_baseline_containers() -> int:
    left = subprocess.run(["docker", "ps", "-aq", "--filter", f"label={BASELINE_LABEL}"], capture_output=True, text=True, check=False).stdout.split()
    if left:
        subprocess.run(["docker", "rm", "-f", *left], capture_output=True, check=False)
    return len(left)


class HostRunner:
    """The floor: the runner as a warm host process (imported pytest, one warm-up run, then a
    forked child per request), timed from request written to `done` read."""

    def __init__(self, workdir: Path):
        self.process = subprocess.Popen(
            [sys.executable, str(REPO / "sandbox" / "runner.py"), "--workdir", str(workdir)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=str(workdir.parent),
        )  # fmt: skip
        self._id = 0
        self.request({"op": "ping"})

    def request(self, request: dict) -> dict:
        self._id += 1
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write((json.dumps({**request, "id": self._id}) + "\n").encode())
        self.process.stdin.flush()
        while line := self.process.stdout.readline():
            event = json.loads(line)
            if event.get("event") in ("pong", "done", "error"):
                return event
        raise RuntimeError("the host runner exited")

    def run_tests(self, files: dict[str, str]) -> tuple[float, dict]:
        request = {"op": "run", "kind": "pytest", "files": files, "targets": sorted(p for p in files if p.startswith("tests/")),
                   "timeout_s": 30, "test_timeout_s": 5, "max_output_bytes": 16000}  # fmt: skip
        started = time.perf_counter()
        done = self.request(request)
        return (time.perf_counter() - started) * 1000, done

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.request({"op": "shutdown"})
            except (OSError, RuntimeError, ValueError):
                pass
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def host_versions() -> str:
    import pytest

    return f"python {sys.version.split()[0]}, pytest {pytest.__version__}"


def count_processes() -> int:
    return sum(name.isdigit() for name in os.listdir("/proc"))
