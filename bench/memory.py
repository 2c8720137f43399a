"""Memory per idle episode and per pooled container, read from the kernel:

* a container: its memory cgroup's usage minus inactive file cache (what `docker stats` shows):
  the runner (Python with pytest imported, warm) and its tmpfs files;
* its containerd shim on the host (one process per container, RSS);
* the server: RSS growth of `debugbox serve` per episode (the Episode, its files, the attach stream).
"""

from __future__ import annotations

import os
from pathlib import Path

from bench.measure import containers_of
from sandbox.docker_backend import LABEL_OWNER

MIB = 1024 * 1024
CGROUP_ROOT = Path("/sys/fs/cgroup")


def _stat(path: Path) -> dict[str, int]:
    out = {}
    for line in path.read_text().splitlines():
        key, _, value = line.partition(" ")
        out[key] = int(value)
    return out


def container_memory(container_id: str) -> int | None:
    """Bytes charged to the container's cgroup, less inactive page cache (cgroup v1 or v2)."""
    v1 = CGROUP_ROOT / "memory" / "docker" / container_id
    if (v1 / "memory.usage_in_bytes").exists():
        usage = int((v1 / "memory.usage_in_bytes").read_text())
        return usage - _stat(v1 / "memory.stat").get("total_inactive_file", 0)
    for v2 in (CGROUP_ROOT / "system.slice" / f"docker-{container_id}.scope", CGROUP_ROOT / "docker" / container_id):
        if (v2 / "memory.current").exists():
            usage = int((v2 / "memory.current").read_text())
            return usage - _stat(v2 / "memory.stat").get("inactive_file", 0)
    return None


def rss(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def shim_rss(container_ids: list[str]) -> dict[str, int]:
    """RSS of each container's containerd shim (found by `-id <container id>` in its command line)."""
    wanted = set(container_ids)
    found: dict[str, int] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            args = Path(f"/proc/{name}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if not args or b"containerd-shim" not in args[0]:
            continue
        for i, arg in enumerate(args[:-1]):
            if arg == b"-id" and args[i + 1].decode() in wanted:
                found[args[i + 1].decode()] = rss(int(name)) or 0
    return found


def full_ids(instance: str) -> dict[str, tuple[str, str]]:
    """{full container id: (created, owner label)} of one server instance's containers, oldest first."""
    import subprocess

    ids = containers_of(instance)
    if not ids:
        return {}
    fmt = '{{.Id}} {{.Created}} {{index .Config.Labels "' + LABEL_OWNER + '"}}'
    out = subprocess.run(["docker", "inspect", "--format", fmt, *ids], capture_output=True, text=True, check=False).stdout
    rows = sorted((line.split(" ", 2) for line in out.splitlines() if line.strip()), key=lambda r: r[1])
    return {r[0]: (r[1], r[2] if len(r) > 2 else "") for r in rows}


def server_pid(instance: str) -> int | None:
    """The server's pid, from the owner label (host:pid:start-time) its containers carry."""
    for _, owner in full_ids(instance).values():
        parts = owner.split(":")
        if len(parts) == 3 and parts[1].isdigit():
            return int(parts[1])
    return None


def snapshot(instance: str, pool_size: int) -> dict[str, list[tuple[str, int, int]]]:
    """{"pool": [(id, container bytes, shim bytes)], "episodes": [...]} for one server instance with
    a full pool. A claimed container keeps its `pool` label, but the pool hands out its oldest
    container first and refills with new ones: the pool is the `pool_size` newest containers."""
    ids = list(full_ids(instance))
    shims = shim_rss(ids)
    out: dict[str, list[tuple[str, int, int]]] = {"pool": [], "episodes": []}
    for n, cid in enumerate(ids):
        memory = container_memory(cid)
        if memory is not None:
            out["pool" if n >= len(ids) - pool_size else "episodes"].append((cid, memory, shims.get(cid, 0)))
    return out
