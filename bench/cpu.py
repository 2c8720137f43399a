"""Where an oracle episode's CPU goes: the whole machine, the sandbox containers, the Docker engine,
the server and the bench's own MCP clients, read from /proc and the containers' cgroup before and
after a throughput level. On 2 cores the episodes/s ceiling is 2 / (machine CPU-s per episode)."""

from __future__ import annotations

import os
from dataclasses import dataclass

TICKS = os.sysconf("SC_CLK_TCK")
ENGINE_COMMANDS = ("dockerd", "containerd", "runc")  # prefixes: containerd covers the shims
# cgroup v1 (cgroupfs driver) keeps the usage of removed containers in their parent's counter.
CONTAINER_CGROUPS = ("/sys/fs/cgroup/cpuacct/docker/cpuacct.usage", "/sys/fs/cgroup/docker/cpu.stat")


@dataclass(frozen=True)
class CpuSample:
    machine: float  # busy CPU-s of all cores since boot (user, nice, system, irq, softirq, steal)
    containers: float | None  # every container's CPU-s, None when the cgroup layout is unknown
    engine: float  # dockerd, containerd, shims and runc alive now (an exited shim's share is lost)
    server: float
    bench: float

    def per_episode(self, later: CpuSample, episodes: int) -> dict[str, float | None]:
        n = max(episodes, 1)
        containers = None if self.containers is None or later.containers is None else (later.containers - self.containers) / n
        return {
            "machine": (later.machine - self.machine) / n,
            "containers": containers,
            "engine": (later.engine - self.engine) / n,
            "server": (later.server - self.server) / n,
            "bench": (later.bench - self.bench) / n,
        }


def _process_cpu(pid: int) -> tuple[str, float]:
    try:
        with open(f"/proc/{pid}/comm") as f:
            comm = f.read().strip()
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return comm, (int(fields[11]) + int(fields[12])) / TICKS
    except (OSError, IndexError, ValueError):
        return "", 0.0


def _machine() -> float:
    with open("/proc/stat") as f:
        user, nice, system, _idle, _iowait, irq, softirq, steal, *_ = (int(x) for x in f.readline().split()[1:])
    return (user + nice + system + irq + softirq + steal) / TICKS


def _containers() -> float | None:
    for path in CONTAINER_CGROUPS:
        try:
            with open(path) as f:
                text = f.read()
        except OSError:
            continue
        if path.endswith("cpuacct.usage"):
            return int(text) / 1e9
        usage = dict(line.split() for line in text.splitlines() if line.strip())
        return int(usage["usage_usec"]) / 1e6
    return None


def sample(server_pid: int | None) -> CpuSample:
    engine = 0.0
    for name in os.listdir("/proc"):
        if name.isdigit():
            comm, cpu = _process_cpu(int(name))
            if comm.startswith(ENGINE_COMMANDS):
                engine += cpu
    times = os.times()
    return CpuSample(
        machine=_machine(),
        containers=_containers(),
        engine=engine,
        server=_process_cpu(server_pid)[1] if server_pid else 0.0,
        bench=times.user + times.system,
    )
