"""An OpenEnv container provider that starts the debugbox OpenEnv image hardened, for OpenEnv's own
clients (openenv-core). Copy this file next to your script, or put client_examples/ on sys.path:

    from openenv.core.mcp_client import MCPToolClient
    from openenv_provider import DebugboxDockerProvider

    env = await MCPToolClient.from_docker_image("debugbox-openenv:latest", provider=DebugboxDockerProvider())

OpenEnv's default LocalDockerProvider runs `docker run -d -p PORT:8000 IMAGE` and nothing else: the
image then holds what it can enforce by itself (docs/SECURITY.md: non-root, no setuid files, no
network for the episodes' code). This provider adds what only the run flags can: no capabilities at
all, no new privileges, a read-only root with a small /tmp, memory and pids limits, and a network
without egress: the container sits on an internal bridge (no route out, containers on it cannot
reach each other) and this machine reaches it at its address there, so nothing is published on
any interface. Where container addresses are not reachable from the client (Docker Desktop, a
remote engine), pass `network=None`: the port is then published on 127.0.0.1 only, on the default
bridge (which has egress; the episodes' code still has no network).

Only the docker CLI and openenv-core are needed (debugbox itself pins MCP SDK 2.x, openenv-core 1.x).
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.request
from typing import Any

from openenv.core.containers.runtime.providers import ContainerProvider

INTERNAL_NETWORK = "debugbox-openenv"
LABEL = "io.debugbox.role=openenv-client"


def hardening_flags(memory: str = "2g", pids: int = 512, user: str = "10001:10001", tmp_size: str = "512m") -> list[str]:
    """The sandboxes' own hardening (DESIGN.md, sandbox invariants 2 and 3) as `docker run` flags."""
    return [
        "--user", user,
        "--cap-drop", "ALL",
        "--security-opt", "no-new-privileges",
        "--read-only",
        "--tmpfs", f"/tmp:rw,nosuid,nodev,size={tmp_size}",
        "--memory", memory,
        "--memory-swap", memory,  # no swap beyond the memory limit
        "--pids-limit", str(pids),
        "--label", LABEL,
    ]


class DebugboxDockerProvider(ContainerProvider):
    def __init__(self, network: str | None = INTERNAL_NETWORK, memory: str = "2g", pids: int = 512, user: str = "10001:10001"):
        self.network = network
        self.flags = hardening_flags(memory, pids, user)
        self._container_id: str | None = None
        self._container_name: str | None = None

    def start_container(self, image: str, port: int | None = None, env_vars: dict[str, str] | None = None, **kwargs: Any) -> str:
        self._container_name = f"debugbox-openenv-{int(time.time() * 1000)}-{id(self) % 10_000}"
        command = ["docker", "run", "-d", "--name", self._container_name, *self.flags]
        for key, value in (env_vars or {}).items():
            command += ["-e", f"{key}={value}"]
        if self.network:
            _ensure_internal_network(self.network)
            command += ["--network", self.network]
        else:
            port = port or _free_port()
            command += ["-p", f"127.0.0.1:{port}:8000"]
        self._container_id = _docker(*command[1:], image).strip()
        if not self.network:
            return f"http://127.0.0.1:{port}"
        networks = json.loads(_docker("inspect", "-f", "{{json .NetworkSettings.Networks}}", self._container_id))
        return f"http://{networks[self.network]['IPAddress']}:8000"

    def stop_container(self) -> None:
        if self._container_id is None:
            return
        try:
            subprocess.run(["docker", "rm", "-f", self._container_id], capture_output=True, timeout=30)
        finally:
            self._container_id = self._container_name = None

    def wait_for_ready(self, base_url: str, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # container addresses are never proxied
        while time.monotonic() < deadline:
            try:
                with opener.open(f"{base_url}/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if self._container_id and _docker("inspect", "-f", "{{.State.Running}}", self._container_id).strip() != "true":
                logs = subprocess.run(["docker", "logs", "--tail", "20", self._container_id], capture_output=True, text=True).stderr
                raise RuntimeError(f"the debugbox container exited before it was ready:\n{logs}")
            time.sleep(0.3)
        raise TimeoutError(f"{base_url}/health did not answer within {timeout_s:.0f} s")


def _ensure_internal_network(name: str) -> None:
    if subprocess.run(["docker", "network", "inspect", name], capture_output=True).returncode == 0:
        return
    created = subprocess.run(
        ["docker", "network", "create", "--internal", "-o", "com.docker.network.bridge.enable_icc=false", "--label", LABEL, name],
        capture_output=True,
        text=True,
    )
    if created.returncode != 0 and "already exists" not in created.stderr:  # another client made it meanwhile
        raise RuntimeError(f"cannot create the Docker network {name}: {created.stderr.strip()}")


def _docker(*args: str) -> str:
    done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"`docker {' '.join(args[:3])} ...` failed: {done.stderr.strip()}")
    return done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
