"""Docker-backend benchmark; writes BENCHMARKS.md.

    python -m bench.bench_docker [--quick] [--repeat N] [--levels 1,8,32,64] [--out BENCHMARKS.md]

One run drives real `debugbox serve --backend docker` servers with real MCP clients and measures,
client call to result:
  * start_task with a warm pool (full before every timed start) and with none (`--pool-size 0`);
  * run_tests on a 3-test and a 30-test task, interleaved with its baselines on the same files:
    `docker exec <c> python3 -m pytest`, `docker run --rm ... pytest` and the floor, pytest in a
    warm host process (bench/baselines.py);
  * run_python, and view_code (no sandbox: the server's own overhead);
  * memory per pooled container and per idle episode (bench/memory.py);
  * sustained oracle episodes/s at several concurrencies over Streamable HTTP (bench/throughput.py).
It is a benchmark, not a test: it reports figures against targets and never asserts.
Modules: measure (samples, servers), taskpack, baselines, memory, throughput, report.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import docker

from bench import baselines as base
from bench import memory
from bench.measure import FAILED_CALLS, Measure, containers_of, sample, say, status, stdio_server, timed_call, wait_for_full_pool, wait_until_gone
from bench.report import EPS_CONCURRENCY, report, summary_lines
from bench.taskpack import MEDIUM, SMALL, make_task_pack, solution_files, workspace_files, write_tree
from bench.throughput import Level, run_level
from sandbox.docker.provider import DockerSettings

WARM_POOL_SIZE = 2
SNIPPET = "from binary_search import binary_search\nprint(binary_search([1, 3, 5], 3))\n"


@dataclass
class Options:
    repeat: int = 30
    rm_repeat: int = 10
    levels: tuple[int, ...] = (1, 8, 32, 64)
    idle_episodes: int = 16
    quick: bool = False

    def per_worker(self, concurrency: int) -> int:
        if self.quick:
            return 2
        return {1: 10, 8: 5}.get(concurrency, 2)  # 64 concurrent: 128 episodes, kept short


@dataclass
class Results:
    m: dict[str, Measure]
    levels: list[Level] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


def measures() -> dict[str, Measure]:
    defs = [
        ("start_hit", "start_task, warm pool (hit)", f"MCP round trip (stdio); pool of {WARM_POOL_SIZE} full before each start"),
        ("start_miss", "start_task, no pool (miss)", "MCP round trip; `--pool-size 0`: creates and starts a container"),
        ("run3", "run_tests, 3 tests", "MCP round trip (stdio), client call to result"),
        ("inside3", "  of which: runner in container", "`duration_s`: fork, pytest.main, process sweep"),
        ("run30", "run_tests, 30 tests", "MCP round trip (stdio), client call to result"),
        ("inside30", "  of which: runner in container", "`duration_s`: fork, pytest.main, process sweep"),
        ("exec3", "docker exec pytest, 3 tests", "baseline: `docker exec <c> python3 -m pytest -q -p no:cacheprovider tests` (CLI)"),
        ("exec30", "docker exec pytest, 30 tests", "baseline: the same, on the 30-test files"),
        ("sdk3", "docker SDK exec_run pytest, 3 tests", "baseline: the same command through docker-py `exec_run`"),
        ("true", "docker exec true", "the floor of any per-step `docker exec` (CLI)"),
        ("rm3", "docker run --rm pytest, 3 tests", "baseline: a fresh hardened container per run, files bind-mounted read-only"),
        ("rm30", "docker run --rm pytest, 30 tests", "baseline: the same, on the 30-test files"),
        ("floor3", "host warm pytest (floor), 3 tests", "`sandbox/runner.py` as a host process: pytest pre-imported, a forked child per run"),
        ("floor30", "host warm pytest (floor), 30 tests", "the same, on the 30-test files"),
        ("run_python", "run_python", "MCP round trip (stdio): a 2-line snippet importing the task's module"),
        ("view_code", "view_code", "MCP round trip (stdio), no sandbox involved: the server's own overhead"),
    ]
    return {key: Measure(name, how) for key, name, how in defs}


async def in_thread(fn, *args):
    return await anyio.to_thread.run_sync(fn, *args)


def record(measure: Measure, outcome: tuple[float, int, str]) -> None:
    ms, code, output = outcome
    if code in (0, 1):  # pytest exits 1: one test fails on the buggy code, by design
        measure.samples.append(ms)
    else:
        measure.errors += 1
        FAILED_CALLS.append(f"{measure.name}: exit {code}: {output[-300:]}")


async def warm_server_phase(res: Results, opts: Options, pack: Path, workdir: Path, errlog) -> None:
    m, f = res.m, res.facts
    settings = DockerSettings()
    engine = docker.from_env()
    files = {task: workspace_files(pack, task) for task in (SMALL, MEDIUM)}
    say(f"starting debugbox serve --backend docker --pool-size {WARM_POOL_SIZE} (stdio)")
    instance = exec_id = host = None
    try:
        async with stdio_server(WARM_POOL_SIZE, pack, errlog) as client:
            first = await status(client)
            instance = first["sandbox"]["instance"]
            f["image"] = first["sandbox"]["image"]
            if not await wait_for_full_pool(client):
                say("the warm pool did not fill within 90 s")
            _, warm = await timed_call(client, "start_task", task_id=SMALL)  # untimed warm-up
            if warm:
                for tool in ("view_code", "run_tests", "submit"):
                    await timed_call(client, tool, episode_id=warm["episode_id"])

            say(f"start_task with a warm pool x{opts.repeat}")
            before = (await status(client))["sandbox"]
            for _ in range(opts.repeat):
                await wait_for_full_pool(client)
                started = await sample(client, m["start_hit"], "start_task", task_id=SMALL)
                if started:
                    await timed_call(client, "submit", episode_id=started["episode_id"])
            after = (await status(client))["sandbox"]
            f["hit_phase"] = (after["hits"] - before["hits"], after["misses"] - before["misses"])
            f["claim_ms"] = (after.get("claim_ms_p50"), after.get("claim_ms_p99"))

            await memory_phase(client, res, opts, instance)

            say("baselines: a container of the same image and hardening, a warm host runner")
            exec_id = await in_thread(base.start_exec_container, settings)
            for task in (SMALL, MEDIUM):
                await in_thread(base.copy_into, exec_id, f"/workspace/{task}", files[task])
            container = engine.containers.get(exec_id)
            _, _, versions = await in_thread(base.exec_cli, exec_id, ["python3", "-c", "import sys, pytest; print('python', sys.version.split()[0] + ', pytest', pytest.__version__)"])
            f["sandbox_python"] = versions.strip()
            f["host_python"] = base.host_versions()
            (workdir / "floor").mkdir()
            host = await in_thread(base.HostRunner, workdir / "floor" / "work")
            f["host_processes"] = base.count_processes()

            await wait_for_full_pool(client)
            episodes = {}
            for task in (SMALL, MEDIUM):
                _, started = await timed_call(client, "start_task", task_id=task, max_steps=1000)
                if started is None:
                    raise RuntimeError(f"could not start a {task} episode; see the server log")
                episodes[task] = started["episode_id"]

            def round_jobs():
                for task, n in ((SMALL, "3"), (MEDIUM, "30")):
                    yield m["exec" + n], lambda t=task: base.exec_cli(exec_id, base.PYTEST, f"/workspace/{t}")
                yield m["sdk3"], lambda: base.exec_sdk(container, base.PYTEST, f"/workspace/{SMALL}")
                yield m["true"], lambda: base.exec_cli(exec_id, ["true"])

            async def floor(task: str, measure: Measure | None) -> dict:
                ms, done = await in_thread(host.run_tests, files[task])
                if measure is not None:
                    measure.samples.append(ms)
                return done

            # Warm-up (untimed) of every path, then interleave them so drift hits all alike.
            for _ in range(2):
                for task in (SMALL, MEDIUM):
                    _, ran = await timed_call(client, "run_tests", episode_id=episodes[task])
                    f[f"server_summary_{task}"] = ran["summary"] if ran else "(failed)"
                    done = await floor(task, None)
                    f[f"floor_summary_{task}"] = f"{sum(t['outcome'] == 'passed' for t in done.get('tests', []))}/{len(done.get('tests', []))} passed"
                for measure, job in round_jobs():
                    await in_thread(job)
            _, code, out = await in_thread(base.exec_cli, exec_id, base.PYTEST, f"/workspace/{MEDIUM}")
            f["baseline_summary"] = f"{(out.strip().splitlines() or ['?'])[-1]} (exit {code})"

            say(f"run_tests (3 and 30 tests) vs docker exec pytest vs the host floor, interleaved x{opts.repeat}")
            pairs: list[float] = []
            for _ in range(opts.repeat):
                for task, n in ((SMALL, "3"), (MEDIUM, "30")):
                    ran = await sample(client, m["run" + n], "run_tests", episode_id=episodes[task])
                    if ran is not None:
                        m["inside" + n].samples.append(ran["duration_s"] * 1000)
                    await floor(task, m["floor" + n])
                for measure, job in round_jobs():
                    record(measure, await in_thread(job))
                if m["run3"].samples and m["exec3"].samples:
                    pairs.append(m["run3"].samples[-1] / m["exec3"].samples[-1])
            f["paired_ratios"] = sorted(pairs)

            say(f"run_python and view_code x{opts.repeat}")
            for _ in range(opts.repeat):
                await sample(client, m["run_python"], "run_python", episode_id=episodes[SMALL], code=SNIPPET)
            for _ in range(opts.repeat):
                await sample(client, m["view_code"], "view_code", episode_id=episodes[SMALL])
            for episode_id in episodes.values():
                await timed_call(client, "submit", episode_id=episode_id)

            say(f"docker run --rm pytest x{opts.rm_repeat} per task")
            dirs = {task: write_tree(workdir / "rm" / task, files[task]) for task in (SMALL, MEDIUM)}
            await in_thread(base.run_rm, settings, dirs[SMALL])  # untimed warm-up
            for _ in range(opts.rm_repeat):
                for task, n in ((SMALL, "3"), (MEDIUM, "30")):
                    record(m["rm" + n], await in_thread(base.run_rm, settings, dirs[task]))
    finally:
        if host is not None:
            host.close()
        f["baseline_left"] = await in_thread(base.remove_baseline_containers)
        f["left_by_warm_server"] = len(await in_thread(wait_until_gone, instance))
        engine.close()


async def memory_phase(client, res: Results, opts: Options, instance: str) -> None:
    f = res.facts
    say(f"memory: the pool of {WARM_POOL_SIZE}, then {opts.idle_episodes} idle episodes")
    await wait_for_full_pool(client)
    await anyio.sleep(1.0)
    snap = await in_thread(memory.snapshot, instance, WARM_POOL_SIZE)
    pid = await in_thread(memory.server_pid, instance)
    f["pool_memory"] = [(c, s) for _, c, s in snap["pool"]]
    rss_before = memory.rss(pid) if pid else None
    idle = []
    for _ in range(opts.idle_episodes):
        _, started = await timed_call(client, "start_task", task_id=SMALL)
        if started:
            idle.append(started["episode_id"])
        await wait_for_full_pool(client)
    await anyio.sleep(1.0)
    snap = await in_thread(memory.snapshot, instance, WARM_POOL_SIZE)
    rss_after = memory.rss(pid) if pid else None
    f["idle_memory"] = [(c, s) for _, c, s in snap["episodes"]]
    f["idle_episodes"] = len(idle)
    f["server_rss"] = (rss_before, rss_after)
    for episode_id in idle:
        await timed_call(client, "submit", episode_id=episode_id)

    say(f"memory: an episode after {memory.EDITS} one-line edits of a 350 KB file, in-process and in the server")
    f["edit_memory"] = await in_thread(memory.episode_memory_after_edits)
    f["server_edit_memory"] = await memory.server_memory_after_edits(client, pid, SMALL)


async def miss_phase(res: Results, opts: Options, pack: Path, errlog) -> None:
    misses = max(3, min(opts.repeat, 10))
    say(f"a second server with --pool-size 0; start_task x{misses}")
    instance = None
    try:
        async with stdio_server(0, pack, errlog) as client:
            instance = (await status(client))["sandbox"]["instance"]
            _, warm = await timed_call(client, "start_task", task_id=SMALL)  # untimed warm-up
            if warm:
                await timed_call(client, "submit", episode_id=warm["episode_id"])
            for _ in range(misses):
                started = await sample(client, res.m["start_miss"], "start_task", task_id=SMALL)
                if started:
                    await timed_call(client, "submit", episode_id=started["episode_id"])
            res.facts["miss_phase_misses"] = (await status(client))["sandbox"]["misses"]
    finally:
        res.facts["left_by_pool0_server"] = len(await in_thread(wait_until_gone, instance))


async def run_benchmark(opts: Options, workdir: Path, errlog, log_path: Path) -> Results:
    res = Results(measures())
    res.facts["foreign_containers_at_start"] = len(containers_of())
    res.facts["load_at_start"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    pack = make_task_pack(workdir)
    await warm_server_phase(res, opts, pack, workdir, errlog)
    await miss_phase(res, opts, pack, errlog)
    solution = solution_files(pack, SMALL)
    for c in opts.levels:
        level = Level(c, min(c, 16), opts.per_worker(c))
        res.levels.append(await run_level(level, pack, SMALL, solution, log_path))
        if c == EPS_CONCURRENCY:  # the baseline: a new container for every episode
            baseline = Level(c, min(c, 16), opts.per_worker(c), reuse=False)
            res.levels.append(await run_level(baseline, pack, SMALL, solution, log_path))
    res.facts["debugbox_containers_at_end"] = len(containers_of())
    res.facts["failed_calls"] = list(FAILED_CALLS)
    return res


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_docker", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 3 samples, concurrency 1 and 2, 3 idle episodes")
    parser.add_argument("--repeat", type=int, help="samples per latency measure (default 30; --quick 3)")
    parser.add_argument("--levels", help="concurrencies for the oracle episodes, comma-separated (default 1,8,32,64; --quick 1,2)")
    parser.add_argument("--out", default="BENCHMARKS.md", help="where to write the report (default BENCHMARKS.md)")
    args = parser.parse_args(argv)
    opts = Options(repeat=3, rm_repeat=2, levels=(1, 2), idle_episodes=3, quick=True) if args.quick else Options()
    if args.repeat:
        opts.repeat = max(1, args.repeat)
        opts.rm_repeat = max(1, min(opts.rm_repeat, opts.repeat))
    if args.levels:
        opts.levels = tuple(int(x) for x in args.levels.split(",") if x.strip())

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="debugbox-bench-") as tmp:
        log_path = Path(tmp) / "server.log"
        with open(log_path, "w") as errlog:
            try:
                results = anyio.run(run_benchmark, opts, Path(tmp), errlog, Path(tmp) / "http-server.log")
            except BaseException:
                errlog.flush()
                say("the run failed; the server log's tail:\n" + log_path.read_text()[-3000:])
                raise
    seconds = time.perf_counter() - started
    command = "python -m bench.bench_docker" + (" --quick" if args.quick else "") + (f" --repeat {args.repeat}" if args.repeat else "")
    command += (f" --levels {args.levels}" if args.levels else "") + f" --out {args.out}"
    Path(args.out).write_text(report(results, opts, command, seconds), encoding="utf-8")
    print("\n".join(summary_lines(results)))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
