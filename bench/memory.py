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
from sandbox.docker.container import LABEL_OWNER

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


# ---------------------------------------------------------------------------------------------
# Server memory per episode after many edits (issue 15, part 5)

EDITS = 500
EDITED_FILE_LINES = 7_000  # ~350 KB, the file of the report
# The first line is not Python, so the server's syntax check stops at once: this measures memory,
# not the parse time of a 350 KB file on every edit.
NOT_PYTHON = "1st = 'not Python: the syntax check stops at this line'"


def edited_file_lines() -> list[str]:
    return [NOT_PYTHON] + [f"filler_{n:06d} = 'a line of about forty-five chars'" for n in range(EDITED_FILE_LINES)]


def edit_at(n: int) -> tuple[int, str]:
    """The n-th one-line edit: (1-based line, new text), spread over the file."""
    return 2 + (n * 53) % EDITED_FILE_LINES, f"edited_{n} = {n}"


def episode_memory_after_edits(edits: int = EDITS) -> dict[str, int]:
    """Bytes an episode keeps (tracemalloc, in-process) after `edits` one-line edits of a 350 KB file:
    debugbox's episode (undo as reverse edits), after its submit, with no edit, and the baseline: the
    undo history before issue 15, a full copy of the files per edit (simulated as the old
    Episode.replace_lines kept it: `Snapshot(label, dict(files))`, then the edited text)."""
    import gc
    import tracemalloc

    from environment.episode import Episode
    from environment.scoring import Score
    from tasks.model import Task, TaskSpec

    text = "\n".join(edited_file_lines()) + "\n"
    spec = TaskSpec(id="bench_edits", title="edits", difficulty="easy", main_file="big.py", editable=("big.py",), max_steps=1000)
    task = Task(spec=spec, description="", source_files={"big.py": text}, test_files={}, hidden_test_files={}, solution_files={})
    out: dict[str, int] = {"file_bytes": len(text), "edits": edits}

    def held(start: int) -> int:
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - start

    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        idle = Episode.create("idle", task)
        out["no_edits"] = held(start)
        del idle

        start = tracemalloc.get_traced_memory()[0]
        episode = Episode.create("edits", task)
        for n in range(edits):
            line, code = edit_at(n)
            episode.replace_lines("big.py", line, line, code)
            episode.charge("replace_lines", f"big.py:{line}-{line}")
        out["reverse_edits"] = held(start)
        out["counted"] = episode.retained_bytes()
        episode.finish(Score(score=0.0, resolved=False, fixed=0, broken=0, fail_to_pass=1, pass_to_pass=0, hidden_passed=0, hidden_total=1), "submitted")
        out["after_submit"] = held(start)
        del episode

        start = tracemalloc.get_traced_memory()[0]
        files, snapshots = {"big.py": text}, []
        for n in range(edits):
            line, code = edit_at(n)
            lines = files["big.py"].splitlines()
            lines[line - 1] = code
            snapshots.append(("replace_lines", dict(files)))
            files["big.py"] = "\n".join(lines) + "\n"
        out["full_snapshots"] = held(start)
        del files, snapshots
    finally:
        tracemalloc.stop()
    return out


async def server_memory_after_edits(client, pid: int | None, task_id: str, edits: int = EDITS) -> dict[str, int | None]:
    """A real server over MCP: its RSS and its own count of episode memory (debugbox://status) before
    an episode, after `edits` one-line edits of a 350 KB file, and after the episode's submit."""
    from bench.measure import status, timed_call

    out: dict[str, int | None] = {"rss_before": rss(pid) if pid else None}
    _, started = await timed_call(client, "start_task", task_id=task_id, max_steps=1000)
    if started is None:
        return out
    episode = started["episode_id"]
    lines = edited_file_lines()
    half = len(lines) // 2
    for block in (lines[half:], lines[:half]):  # two calls: new_code is at most 200,000 characters
        await timed_call(client, "replace_lines", episode_id=episode, start_line=1, end_line=0, new_code="\n".join(block))
    out["counted_before_edits"] = (await status(client))["memory"]["live_bytes"]
    out["rss_before_edits"] = rss(pid) if pid else None
    failed = 0
    for n in range(edits):
        line, code = edit_at(n)
        _, done = await timed_call(client, "replace_lines", episode_id=episode, start_line=line, end_line=line, new_code=code)
        failed += done is None
    out["failed_edits"] = failed
    out["counted_after_edits"] = (await status(client))["memory"]["live_bytes"]
    out["rss_after_edits"] = rss(pid) if pid else None
    await timed_call(client, "submit", episode_id=episode)
    out["counted_after_submit"] = (await status(client))["memory"]["episodes_bytes"]
    out["rss_after_submit"] = rss(pid) if pid else None
    return out
