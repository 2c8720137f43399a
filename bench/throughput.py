"""Sustained oracle episodes per second at a given concurrency.

The server is `debugbox serve --transport http` (spawned as harness/eval does), and each episode
gets its own MCP session over Streamable HTTP, as the batch evaluator gives it: C workers each play
episodes back to back. An oracle episode is start_task, replace_lines with the task's reference
solution (whole file), run_tests, submit; it counts as an error unless every call succeeded and the
submission resolved the task. By default the server hands a submitted episode's container back to
its pool (after the runner's audit); a level with `reuse=False` (`--episodes-per-container 1`) is
the baseline: a new container for every episode.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import anyio
from mcp import Client

from bench import cpu
from bench.measure import FAILED_CALLS, pct, say, status, timed_call, wait_for_full_pool, wait_until_gone
from harness.eval.server_process import SpawnedServer


@dataclass
class Level:
    concurrency: int
    pool_size: int
    episodes_per_worker: int
    reuse: bool = True
    done: int = 0
    errors: int = 0
    wall_s: float = 0.0
    steps_ms: list[float] = field(default_factory=list)
    start_ms: list[float] = field(default_factory=list)
    run_tests_ms: list[float] = field(default_factory=list)
    episode_ms: list[float] = field(default_factory=list)
    hits: int = 0
    misses: int = 0
    reused: int = 0
    left: int = 0
    cpu: dict[str, float | None] = field(default_factory=dict)  # CPU-s per episode by part
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.concurrency) if self.reuse else f"{self.concurrency}, no reuse"

    @property
    def per_second(self) -> float | None:
        return self.done / self.wall_s if self.wall_s else None

    def row(self) -> list[str]:
        def ms(v: float | None) -> str:
            return "-" if v is None else f"{v:.0f}"

        eps = "-" if self.per_second is None else f"{self.per_second:.2f}"
        return [
            self.name, str(self.pool_size), str(self.done + self.errors), str(self.errors), f"{self.wall_s:.1f}", eps,
            ms(pct(self.steps_ms, 0.5)), ms(pct(self.steps_ms, 0.99)),
            ms(pct(self.start_ms, 0.5)), ms(pct(self.start_ms, 0.99)),
            ms(pct(self.run_tests_ms, 0.5)), ms(pct(self.run_tests_ms, 0.99)),
            ms(pct(self.episode_ms, 0.5)), ms(pct(self.episode_ms, 0.99)),
            f"{self.hits}/{self.misses}", str(self.reused), str(self.left),
        ]  # fmt: skip


HEAD = [
    "concurrency", "pool", "episodes", "errors", "wall s", "episodes/s", "step p50 ms", "step p99 ms",
    "start_task p50", "start_task p99", "run_tests p50", "run_tests p99", "episode p50 ms", "episode p99 ms",
    "pool hits/misses", "containers reused", "containers left",
]  # fmt: skip


async def oracle_episode(url: str, task_id: str, solution: dict[str, str], level: Level) -> None:
    started = time.perf_counter()
    try:
        async with Client(url) as client:
            ms, start = await timed_call(client, "start_task", task_id=task_id)
            if start is None:
                level.errors += 1
                return
            level.start_ms.append(ms)
            level.steps_ms.append(ms)
            episode_id = start["episode_id"]
            lines = {f["path"]: f["lines"] for f in start["files"]}
            calls = [("replace_lines", {"path": p, "start_line": 1, "end_line": lines[p], "new_code": text}) for p, text in sorted(solution.items())]
            calls += [("run_tests", {}), ("submit", {})]
            result = None
            for tool, args in calls:
                ms, result = await timed_call(client, tool, episode_id=episode_id, **args)
                if result is None:
                    level.errors += 1
                    return
                level.steps_ms.append(ms)
                if tool == "run_tests":
                    level.run_tests_ms.append(ms)
            if not (result and result.get("resolved")):
                FAILED_CALLS.append(f"oracle episode {episode_id} not resolved: {result}")
                level.errors += 1
                return
    except Exception as exc:  # noqa: BLE001 - a lost connection is an error of this episode
        FAILED_CALLS.append(f"oracle episode failed: {exc!r}")
        say(f"oracle episode failed: {exc!r}")
        level.errors += 1
        return
    level.done += 1
    level.episode_ms.append((time.perf_counter() - started) * 1000)


async def run_level(level: Level, pack: Path, task_id: str, solution: dict[str, str], log_path: Path) -> Level:
    say(f"oracle episodes at concurrency {level.name} (pool {level.pool_size}, {level.episodes_per_worker} per worker)")
    args = ["--pool-size", str(level.pool_size)] + ([] if level.reuse else ["--episodes-per-container", "1"])
    server = SpawnedServer(log_path, backend="docker", task_packs=[str(pack)], extra_args=args)
    instance = None
    try:
        async with server:
            async with Client(server.url) as client:
                instance = (await status(client))["sandbox"]["instance"]
                if not await wait_for_full_pool(client, timeout_s=180):
                    level.notes.append("the pool did not fill within 180 s")
                await oracle_episode(server.url, task_id, solution, Level(0, 0, 0))  # untimed warm-up
                await wait_for_full_pool(client, timeout_s=180)
                before = (await status(client))["sandbox"]

                async def worker() -> None:
                    for _ in range(level.episodes_per_worker):
                        await oracle_episode(server.url, task_id, solution, level)

                server_pid = server.process.pid if server.process else None
                cpu_before = cpu.sample(server_pid)
                started = time.perf_counter()
                async with anyio.create_task_group() as group:
                    for _ in range(level.concurrency):
                        group.start_soon(worker)
                level.wall_s = time.perf_counter() - started
                level.cpu = cpu_before.per_episode(cpu.sample(server_pid), level.done + level.errors)
                after = (await status(client))["sandbox"]
                level.hits = after["hits"] - before["hits"]
                level.misses = after["misses"] - before["misses"]
                level.reused = after["reused"] - before["reused"]
    finally:
        level.left = len(await anyio.to_thread.run_sync(wait_until_gone, instance))
    return level
