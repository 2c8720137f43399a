"""Docker-backend latency benchmark; writes BENCHMARKS.md.

    python -m bench.bench_docker [--repeat N] [--out BENCHMARKS.md]

One run drives a real `debugbox serve --backend docker` over stdio with a real MCP client and
measures, client call to result:
  * start_task with a warm pool (the pool full before every timed start) and with no pool
    (a second server with --pool-size 0, so every start creates a container);
  * run_tests on a 3-test task;
  * view_code (no sandbox involved: the transport and the server alone);
and, in the same run on the same files, what a naive implementation pays per step:
`docker exec <container> python3 -m pytest` in a container of the same image and hardening,
through the docker CLI and through the docker SDK. It is a benchmark, not a test: it reports
figures and targets, and never asserts.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import anyio
import docker
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from sandbox.docker_backend import LABEL, LABEL_INSTANCE, DockerSettings

REPO = Path(__file__).resolve().parent.parent
SOURCE_TASK = REPO / "tasks" / "bundled" / "binary_search_off_by_one"
TASK_ID = "bench_three_tests"
STATUS_URI = "debugbox://status"
WARM_POOL_SIZE = 2
BASELINE_LABEL = "io.debugbox-bench"  # deliberately not io.debugbox: no server may reap it
START_TARGET_MS = 50.0
RATIO_TARGET = 0.25
SETTLE_S = 0.1  # after the pool reports full, let the engine finish its bookkeeping

# Three of the task's visible tests: two pass and one fails on the buggy code, so every run
# also exercises the failure report (the server's locating of the failing line, pytest's traceback).
THREE_TESTS = '''from binary_search import binary_search


def test_finds_middle_element():
    assert binary_search([1, 3, 5, 7, 9], 5) == 2


def test_finds_last_element():
    assert binary_search([1, 3, 5, 7, 9], 9) == 4


def test_missing_value_returns_minus_one():
    assert binary_search([1, 3, 5, 7, 9], 4) == -1
'''

TASK_TOML = f'''id = "{TASK_ID}"
title = "Binary search misses the last element (3 visible tests, for benchmarks)"
difficulty = "easy"
tags = ["benchmark"]
kind = "bugfix"
main_file = "binary_search.py"
editable = ["binary_search.py"]
max_steps = 1000
test_timeout_s = 5
run_timeout_s = 30
'''


FAILED_CALLS: list[str] = []  # what each failed call said, for the report


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Figures


@dataclass
class Measure:
    name: str
    how: str
    samples: list[float] = field(default_factory=list)  # milliseconds
    errors: int = 0

    def pct(self, q: float) -> float | None:
        """Nearest-rank percentile: the ceil(q*n)-th smallest sample."""
        if not self.samples:
            return None
        ordered = sorted(self.samples)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    @property
    def p50(self) -> float | None:
        return self.pct(0.50)

    def row(self) -> list[str]:
        def fmt(v: float | None) -> str:
            return "-" if v is None else f"{v:.1f}"

        mean = statistics.fmean(self.samples) if self.samples else None
        low = min(self.samples) if self.samples else None
        errors = f" ({self.errors} failed)" if self.errors else ""
        return [self.name, f"{len(self.samples)}{errors}", fmt(self.pct(0.5)), fmt(self.pct(0.9)), fmt(self.pct(0.99)), fmt(mean), fmt(low), self.how]


def table(measures: list[Measure]) -> str:
    head = ["measure", "n", "p50 ms", "p90 ms", "p99 ms", "mean ms", "min ms", "how"]
    rows = [head, ["---", "---:", "---:", "---:", "---:", "---:", "---:", "---"], *(m.row() for m in measures)]
    return "\n".join("| " + " | ".join(r) + " |" for r in rows)


# ---------------------------------------------------------------------------------------------
# The task pack and the files the runs see


def make_task_pack(root: Path) -> Path:
    """A one-task pack: binary_search_off_by_one with its visible tests trimmed to exactly three."""
    pack = root / "pack"
    task = pack / TASK_ID
    shutil.copytree(SOURCE_TASK, task, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.rmtree(task / "tests")
    (task / "tests").mkdir()
    (task / "tests" / "test_binary_search.py").write_text(THREE_TESTS, encoding="utf-8")
    (task / "task.toml").write_text(TASK_TOML, encoding="utf-8")
    return pack


def workspace_files(pack: Path) -> dict[str, str]:
    """What a visible run writes into the workspace: src/ at its root, tests/ under tests/."""
    task = pack / TASK_ID
    files = {p.relative_to(task / "src").as_posix(): p.read_text() for p in (task / "src").rglob("*.py")}
    files |= {"tests/" + p.relative_to(task / "tests").as_posix(): p.read_text() for p in (task / "tests").rglob("*.py")}
    return files


def tar_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for directory in sorted({str(Path(p).parent) for p in files if "/" in p}):
            info = tarfile.TarInfo(directory)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)
        for path, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(path)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# The server, through a real MCP client over stdio


@asynccontextmanager
async def debugbox_server(pool_size: int, pack: Path, errlog) -> AsyncIterator[Client]:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "mcp_server.cli", "serve", "--backend", "docker", "--pool-size", str(pool_size), "--tasks", str(pack)],
        cwd=str(REPO),
        env={k: v for k, v in os.environ.items() if k.startswith("DOCKER_")},
    )
    # stdio_client(params) is what Client(params) builds; called here only to send the server's
    # log (stderr) to a file instead of the terminal.
    async with Client(stdio_client(params, errlog=errlog)) as client:
        yield client


async def status(client: Client) -> dict[str, Any]:
    result = await client.read_resource(STATUS_URI, cache_mode="bypass")
    return json.loads(result.contents[0].text)


async def wait_for_full_pool(client: Client, timeout_s: float = 90.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        sandbox = (await status(client))["sandbox"]
        if sandbox["pool_ready"] >= sandbox["pool_size"]:
            await anyio.sleep(SETTLE_S)
            return True
        await anyio.sleep(0.05)
    return False


def text_of(result) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


async def timed_call(client: Client, tool: str, **args) -> tuple[float, dict[str, Any] | None]:
    """(milliseconds, structured result or None if the tool failed)."""
    started = time.perf_counter()
    result = await client.call_tool(tool, args)
    elapsed = (time.perf_counter() - started) * 1000
    if result.is_error:
        FAILED_CALLS.append(f"{tool}: {text_of(result)[:300]}")
        say(f"{tool} failed: {text_of(result)[:300]}")
        return elapsed, None
    return elapsed, result.structured_content


async def submit(client: Client, episode_id: str) -> None:
    await timed_call(client, "submit", episode_id=episode_id)


def containers_of(instance: str | None = None) -> list[str]:
    label = f"{LABEL_INSTANCE}={instance}" if instance else LABEL
    out = subprocess.run(["docker", "ps", "-aq", "--filter", f"label={label}"], capture_output=True, text=True, check=False)
    return out.stdout.split()


def wait_until_gone(instance: str | None, timeout_s: float = 30.0) -> list[str]:
    """After a server exits its containers must go; force-remove this instance's stragglers."""
    if not instance:
        return []
    deadline = time.monotonic() + timeout_s
    while (left := containers_of(instance)) and time.monotonic() < deadline:
        time.sleep(0.2)
    if left:
        say(f"server instance {instance} left {len(left)} container(s); removing them")
        subprocess.run(["docker", "rm", "-f", *left], capture_output=True, check=False)
    return left


# ---------------------------------------------------------------------------------------------
# The baseline: a container of the same image and hardening, driven by `docker exec`


def start_baseline_container(settings: DockerSettings) -> str:
    uid, _, gid = settings.user.partition(":")
    command = [
        "docker", "run", "-d",
        "--label", f"{BASELINE_LABEL}=1",
        "--network", "none",
        "--cap-drop", "ALL",
        "--security-opt", "no-new-privileges",
        "--read-only",
        "--tmpfs", f"/workspace:size={settings.workspace_mb}m,uid={uid},gid={gid or uid},mode=0755",
        "--tmpfs", f"/tmp:size={settings.tmp_mb}m,mode=1777",
        "--memory", f"{settings.memory_mb}m",
        "--memory-swap", f"{settings.memory_mb}m",
        "--pids-limit", str(settings.pids),
        "--cpus", str(settings.cpus),
        "--ipc", "private",
        "--user", settings.user,
        "--entrypoint", "sleep",
        settings.image, "infinity",
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def copy_into(container_id: str, files: dict[str, str]) -> None:
    # `docker cp` cannot write into a tmpfs mount (it writes the layer beneath): untar from inside.
    subprocess.run(["docker", "exec", "-i", container_id, "tar", "-x", "-C", "/workspace"], input=tar_of(files), check=True, capture_output=True)


PYTEST = ["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]


def exec_cli(container_id: str, argv: list[str]) -> tuple[float, int, str]:
    started = time.perf_counter()
    done = subprocess.run(["docker", "exec", "-w", "/workspace", container_id, *argv], capture_output=True, text=True, check=False)
    return (time.perf_counter() - started) * 1000, done.returncode, done.stdout


def exec_sdk(container, argv: list[str]) -> tuple[float, int, str]:
    started = time.perf_counter()
    done = container.exec_run(argv, workdir="/workspace")
    return (time.perf_counter() - started) * 1000, done.exit_code, done.output.decode(errors="replace")


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "(no output)"


# ---------------------------------------------------------------------------------------------
# The run


@dataclass
class Results:
    start_hit: Measure
    start_miss: Measure
    run_tests: Measure
    runner_inside: Measure
    exec_cli: Measure
    exec_sdk: Measure
    exec_true: Measure
    view_code: Measure
    facts: dict[str, Any] = field(default_factory=dict)


async def run_benchmark(repeat: int, workdir: Path, errlog) -> Results:
    res = Results(
        start_hit=Measure("start_task, warm pool (hit)", f"MCP round trip; pool of {WARM_POOL_SIZE} full before each start"),
        start_miss=Measure("start_task, no pool (miss)", "MCP round trip; `--pool-size 0`: creates and starts a container"),
        run_tests=Measure("run_tests, 3 tests", "MCP round trip, client call to result"),
        runner_inside=Measure("  of which: runner in container", "`duration_s` of run_tests: fork, pytest.main, process sweep"),
        exec_cli=Measure("docker exec python3 -m pytest (CLI)", "baseline: `docker exec <c> python3 -m pytest -q -p no:cacheprovider tests`"),
        exec_sdk=Measure("docker SDK exec_run pytest", "baseline: the same command through docker-py `exec_run`"),
        exec_true=Measure("docker exec true (CLI)", "the floor of any per-step `docker exec`"),
        view_code=Measure("view_code", "MCP round trip, no sandbox involved"),
    )
    pack = make_task_pack(workdir)
    files = workspace_files(pack)
    settings = DockerSettings()
    engine = docker.from_env()
    res.facts["foreign_containers_at_start"] = len(containers_of())
    res.facts["load_at_start"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())

    # -- server A: a warm pool --------------------------------------------------------------
    say(f"starting debugbox serve --backend docker --pool-size {WARM_POOL_SIZE}")
    instance = None
    instances: list[str] = []
    baseline_id = None
    try:
        async with debugbox_server(WARM_POOL_SIZE, pack, errlog) as client:
            first = await status(client)
            instance = first["sandbox"]["instance"]
            instances.append(instance)
            res.facts["image"] = first["sandbox"]["image"]
            if not await wait_for_full_pool(client):
                say("the warm pool did not fill within 90 s")
            # Warm-up (untimed): the first call of each kind pays imports and lazy set-up.
            _, warm = await timed_call(client, "start_task", task_id=TASK_ID)
            if warm:
                await timed_call(client, "view_code", episode_id=warm["episode_id"])
                await timed_call(client, "run_tests", episode_id=warm["episode_id"])
                await submit(client, warm["episode_id"])

            say(f"start_task with a warm pool x{repeat}")
            before = (await status(client))["sandbox"]
            for _ in range(repeat):
                await wait_for_full_pool(client)
                ms, started = await timed_call(client, "start_task", task_id=TASK_ID)
                if started is None:
                    res.start_hit.errors += 1
                    continue
                res.start_hit.samples.append(ms)
                await submit(client, started["episode_id"])
            after = (await status(client))["sandbox"]
            res.facts["hit_phase_hits"] = after["hits"] - before["hits"]
            res.facts["hit_phase_misses"] = after["misses"] - before["misses"]
            res.facts["claim_ms_p50"] = after.get("claim_ms_p50")
            res.facts["claim_ms_p99"] = after.get("claim_ms_p99")

            say("baseline container (same image and hardening) and the files of the task")
            baseline_id = await anyio.to_thread.run_sync(start_baseline_container, settings)
            await anyio.to_thread.run_sync(copy_into, baseline_id, files)
            baseline = engine.containers.get(baseline_id)
            _, _, versions = await anyio.to_thread.run_sync(
                exec_cli, baseline_id, ["python3", "-c", "import sys, pytest; print('python', sys.version.split()[0] + ', pytest', pytest.__version__)"]
            )
            res.facts["sandbox_python"] = versions.strip()

            await wait_for_full_pool(client)
            _, episode = await timed_call(client, "start_task", task_id=TASK_ID, max_steps=1000)
            if episode is None:
                raise RuntimeError("could not start the run_tests episode; see the server log")
            episode_id = episode["episode_id"]

            # Warm-up (untimed) of every path, then interleave them so drift hits all alike.
            for _ in range(2):
                _, first_run = await timed_call(client, "run_tests", episode_id=episode_id)
                _, code, out = await anyio.to_thread.run_sync(exec_cli, baseline_id, PYTEST)
                await anyio.to_thread.run_sync(exec_sdk, baseline, PYTEST)
                await anyio.to_thread.run_sync(exec_cli, baseline_id, ["true"])
            res.facts["server_summary"] = first_run["summary"] if first_run else "(failed)"
            res.facts["baseline_summary"] = f"{last_line(out)} (exit {code})"

            say(f"run_tests vs docker exec pytest, interleaved x{repeat}")
            pairs: list[float] = []
            for _ in range(repeat):
                ms, ran = await timed_call(client, "run_tests", episode_id=episode_id)
                if ran is None:
                    res.run_tests.errors += 1
                else:
                    res.run_tests.samples.append(ms)
                    res.runner_inside.samples.append(ran["duration_s"] * 1000)
                round_cli = len(res.exec_cli.samples)
                for measure, job in (
                    (res.exec_cli, lambda: exec_cli(baseline_id, PYTEST)),
                    (res.exec_sdk, lambda: exec_sdk(baseline, PYTEST)),
                    (res.exec_true, lambda: exec_cli(baseline_id, ["true"])),
                ):
                    ms, code, output = await anyio.to_thread.run_sync(job)
                    # pytest exits 1 because one of the three tests fails on the buggy code.
                    if code in (0, 1):
                        measure.samples.append(ms)
                    else:
                        measure.errors += 1
                        FAILED_CALLS.append(f"{measure.name}: exit {code}: {output[-300:]}")
                if ran is not None and len(res.exec_cli.samples) > round_cli:
                    pairs.append(res.run_tests.samples[-1] / res.exec_cli.samples[-1])
            res.facts["paired_ratios"] = sorted(pairs)

            say(f"view_code x{repeat}")
            for _ in range(repeat):
                ms, viewed = await timed_call(client, "view_code", episode_id=episode_id)
                if viewed is None:
                    res.view_code.errors += 1
                else:
                    res.view_code.samples.append(ms)
            await submit(client, episode_id)
    finally:
        if baseline_id:
            subprocess.run(["docker", "rm", "-f", baseline_id], capture_output=True, check=False)
        res.facts["left_by_warm_server"] = len(await anyio.to_thread.run_sync(wait_until_gone, instance))

    # -- server B: no pool, every start is a miss --------------------------------------------
    misses = max(3, min(repeat, 10))
    say(f"starting a second server with --pool-size 0; start_task x{misses}")
    instance = None
    try:
        async with debugbox_server(0, pack, errlog) as client:
            instance = (await status(client))["sandbox"]["instance"]
            instances.append(instance)
            _, warm = await timed_call(client, "start_task", task_id=TASK_ID)  # untimed warm-up
            if warm:
                await submit(client, warm["episode_id"])
            for _ in range(misses):
                ms, started = await timed_call(client, "start_task", task_id=TASK_ID)
                if started is None:
                    res.start_miss.errors += 1
                    continue
                res.start_miss.samples.append(ms)
                await submit(client, started["episode_id"])
            res.facts["miss_phase_misses"] = (await status(client))["sandbox"]["misses"]
    finally:
        res.facts["left_by_pool0_server"] = len(await anyio.to_thread.run_sync(wait_until_gone, instance))

    res.facts["debugbox_containers_at_end"] = len(containers_of())
    res.facts["ours_at_end"] = sum(len(containers_of(i)) for i in instances)
    res.facts["failed_calls"] = list(FAILED_CALLS)
    left = subprocess.run(["docker", "ps", "-aq", "--filter", f"label={BASELINE_LABEL}"], capture_output=True, text=True, check=False)
    res.facts["baseline_containers_at_end"] = len(left.stdout.split())
    engine.close()
    return res


# ---------------------------------------------------------------------------------------------
# The report


def machine() -> dict[str, str]:
    def meminfo_total() -> str:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
        return "?"

    def cpu_model() -> str:
        try:
            for line in Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return platform.processor() or "?"

    try:
        client = docker.from_env()
        version = client.version()
        docker_version = f"{version.get('Version', '?')} (API {version.get('ApiVersion', '?')}, {version.get('Os', '?')}/{version.get('Arch', '?')})"
        client.close()
    except Exception as exc:  # noqa: BLE001 - a report line, not a failure
        docker_version = f"unknown ({exc})"
    return {
        "CPUs (nproc)": str(os.cpu_count()),
        "CPU model": cpu_model(),
        "memory": meminfo_total(),
        "kernel": f"{platform.system()} {platform.release()}",
        "docker server": docker_version,
        "python (client and server)": platform.python_version(),
        "load average at the end (1, 5, 15 min; 2 CPUs)": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def verdict(value: float | None, limit: float) -> str:
    if value is None:
        return "not measured"
    return "**met**" if value <= limit else "**not met**"


def report(res: Results, repeat: int, out: str, seconds: float) -> str:
    f = res.facts
    hit, run, cli = res.start_hit.p50, res.run_tests.p50, res.exec_cli.p50
    ratio = run / cli if run is not None and cli else None
    sdk_ratio = run / res.exec_sdk.p50 if run is not None and res.exec_sdk.p50 else None
    inside = res.runner_inside.p50
    view = res.view_code.p50
    floor = res.exec_true.p50
    ratios = f.get("paired_ratios") or []
    paired = f"{statistics.median(ratios):.3f} (p10 {ratios[max(0, math.ceil(0.1 * len(ratios)) - 1)]:.3f}, p90 {ratios[max(0, math.ceil(0.9 * len(ratios)) - 1)]:.3f})" if ratios else "?"
    measures = [res.start_hit, res.start_miss, res.run_tests, res.runner_inside, res.exec_cli, res.exec_sdk, res.exec_true, res.view_code]

    def ms(v: float | None) -> str:
        return "?" if v is None else f"{v:.1f} ms"

    lines = [
        "# debugbox benchmarks: the Docker backend",
        "",
        "Written by `bench/bench_docker.py`; every figure below comes from one run of it.",
        "",
        f"- date: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} (run took {seconds:.0f} s)",
        *(f"- {k}: {v}" for k, v in machine().items()),
        f"- load average at the start (1, 5, 15 min): {f.get('load_at_start', '?')}",
        f"- sandbox image: `{f.get('image', '?')}` ({f.get('sandbox_python', '?')})",
        f"- reproduce: `python -m bench.bench_docker --repeat {repeat} --out {out}` (from the repository root, Docker engine running)",
        "",
        "## Targets",
        "",
        "| target | measured | limit | verdict |",
        "| --- | ---: | ---: | --- |",
        f"| `start_task` from a warm pool, p50 | {ms(hit)} | 50 ms | {verdict(hit, START_TARGET_MS)} |",
        f"| `run_tests` p50 / `docker exec ... pytest` p50 (3-test task) | {'?' if ratio is None else f'{ratio:.3f}'} ({ms(run)} / {ms(cli)}) | 0.25 | {verdict(ratio, RATIO_TARGET)} |",
        "",
        f"For context: the median of the per-round ratios (each `run_tests` over the `docker exec` measured right",
        f"after it, which cancels slow drift in machine load) is {paired}; `run_tests` p50 / docker SDK",
        f"`exec_run` p50 = {'?' if sdk_ratio is None else f'{sdk_ratio:.3f}'}.",
        "",
        "## Figures",
        "",
        "Milliseconds, percentiles by nearest rank (the ceil(q*n)-th smallest sample). `run_tests`, both",
        "`docker exec` baselines and `docker exec true` were measured interleaved, one of each per round,",
        "after two untimed warm-up rounds. The machine is not reserved for the benchmark: the load averages",
        "above say how busy it was, and a busy machine widens the tails of every row.",
        "",
        table(measures),
        "",
        "## How it was measured",
        "",
        f"- Server: `{sys.executable} -m mcp_server.cli serve --backend docker --pool-size {WARM_POOL_SIZE} --tasks <pack>`,",
        "  started by `mcp.Client` over stdio (the server's log goes to a file). Every MCP figure is",
        "  `time.perf_counter()` around `await client.call_tool(...)` in that client: JSON-RPC over the",
        "  pipes, the tool, the result's pydantic model and text, and the client's parsing of it.",
        "- Task: `binary_search_off_by_one` with its visible tests trimmed to 3 (2 pass, 1 fails on the",
        "  buggy code: the server reports " + f"`{f.get('server_summary', '?')}`, the baseline `{f.get('baseline_summary', '?')}`).",
        f"- Warm pool: before each timed `start_task` the client reads `{STATUS_URI}` until",
        f"  `pool_ready == pool_size`, then waits {SETTLE_S * 1000:.0f} ms; each episode is submitted (untimed) afterwards.",
        f"  Of the timed starts, {f.get('hit_phase_hits', '?')} were pool hits and {f.get('hit_phase_misses', '?')} misses",
        f"  (server counters). The server's own claim time (pop from the pool + a ping of the runner):",
        f"  p50 {f.get('claim_ms_p50', '?')} ms, p99 {f.get('claim_ms_p99', '?')} ms.",
        f"- Pool misses: a second server with `--pool-size 0`; one untimed warm-up start, then {len(res.start_miss.samples)} timed ones.",
        "- Baseline: `docker run -d --entrypoint sleep <same image> infinity` with the backend's hardening",
        "  (no network, all capabilities dropped, no-new-privileges, read-only root, tmpfs `/workspace` owned by",
        "  65534, 512 MiB, 128 pids, 1 CPU, user 65534); the same two files untarred into `/workspace`; then",
        "  `docker exec -w /workspace <c> python3 -m pytest -q -p no:cacheprovider tests` via `subprocess.run`, and",
        "  the same command via docker-py's `container.exec_run`. The baseline leaves its files in place between",
        "  runs, while `run_tests` writes a fresh workspace every time, so the comparison favours the baseline.",
        "",
        "## What bounds each figure",
        "",
        f"- `start_task` (hit), p50 {ms(hit)}: the container already runs, so this is the server's claim",
        f"  (p50 {f.get('claim_ms_p50', '?')} ms: one ping round trip over the attach stream) plus the MCP round trip",
        f"  and building the result (the task text and numbered main file); `view_code` ({ms(view)}) is the",
        "  floor of any tool call on this transport.",
        f"- `start_task` (miss), p50 {ms(res.start_miss.p50)}: creating and starting a hardened container (dockerd, containerd,",
        "  runc, cgroup and tmpfs set-up) and the runner's start-up (Python, `import pytest`) on a 1-CPU",
        "  container, until it answers a ping. This is what the warm pool hides.",
        f"- `run_tests`, p50 {ms(run)}: the runner's own time in the container (its `duration_s`) is p50 {ms(inside)}:",
        "  forking its pre-imported process, `pytest.main` on 3 tests in the child (configuration and plugin",
        "  set-up, collection, the run, the failure's traceback) and supervising it. The remaining",
        f"  ~{ms(None if run is None or inside is None else run - inside)} is writing the workspace, the JSON exchange over the attach stream, the service",
        "  (counting, locating the failing line, the result model) and the MCP round trip.",
        f"- `docker exec ... pytest`, p50 {ms(cli)}: `docker exec true` alone costs {ms(floor)} (CLI start-up, two API",
        "  calls, runc setting up the exec in the container's namespaces and cgroup); the rest is a fresh Python",
        "  interpreter importing pytest and its plugins and collecting, every time, on one CPU.",
        f"  The SDK path (p50 {ms(res.exec_sdk.p50)}) saves the CLI's start-up but not the interpreter's.",
        "",
        "## Clean-up check",
        "",
        f"- containers left by the warm-pool server after it exited: {f.get('left_by_warm_server', '?')};"
        f" by the `--pool-size 0` server: {f.get('left_by_pool0_server', '?')} (any would have been force-removed)",
        f"- `docker ps -a --filter label={LABEL}` at the end: {f.get('debugbox_containers_at_end', '?')} container(s),"
        f" {f.get('ours_at_end', '?')} of them from this run's servers (other processes sharing the engine owned"
        f" {f.get('foreign_containers_at_start', '?')} at the start)",
        f"- baseline containers (`label={BASELINE_LABEL}`) at the end: {f.get('baseline_containers_at_end', '?')}",
        "",
    ]
    failed = f.get("failed_calls") or []
    if failed:
        lines += [
            "## Failed calls",
            "",
            "Left out of the figures (the `n` column counts them as failed):",
            "",
            *(f"- {' '.join(message.split())}" for message in failed),
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_docker", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="samples per measure (default 30; pool misses use at most 10)")
    parser.add_argument("--out", default="BENCHMARKS.md", help="where to write the report (default BENCHMARKS.md)")
    args = parser.parse_args(argv)
    repeat = max(1, args.repeat)

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="debugbox-bench-") as tmp:
        log_path = Path(tmp) / "server.log"
        with open(log_path, "w") as errlog:
            try:
                results = anyio.run(run_benchmark, repeat, Path(tmp), errlog)
            except BaseException:
                errlog.flush()
                say("the run failed; the server log's tail:\n" + log_path.read_text()[-3000:])
                raise
    seconds = time.perf_counter() - started

    text = report(results, repeat, args.out, seconds)
    Path(args.out).write_text(text, encoding="utf-8")
    print(table([results.start_hit, results.start_miss, results.run_tests, results.runner_inside, results.exec_cli, results.exec_sdk, results.exec_true, results.view_code]))
    hit, run, cli = results.start_hit.p50, results.run_tests.p50, results.exec_cli.p50
    ratio = run / cli if run is not None and cli else None
    print(f"\nstart_task warm-pool p50 {'?' if hit is None else f'{hit:.1f}'} ms (target <= {START_TARGET_MS:g} ms): {verdict(hit, START_TARGET_MS).strip('*')}")
    print(f"run_tests p50 / docker exec pytest p50 = {'?' if ratio is None else f'{ratio:.3f}'} (target <= {RATIO_TARGET}): {verdict(ratio, RATIO_TARGET).strip('*')}")
    print(f"wrote {args.out} ({shlex.quote(str(Path(args.out).resolve()))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
