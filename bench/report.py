"""BENCHMARKS.md from one run's results: targets, figures, ratios, throughput, memory, and what
bounds each figure."""

from __future__ import annotations

import math
import os
import platform
import statistics
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import docker

from bench.baselines import BASELINE_LABEL
from bench.measure import fmt, markdown_table, table
from bench.memory import EDITS, MIB
from bench.throughput import HEAD as THROUGHPUT_HEAD
from sandbox.docker.container import LABEL

if TYPE_CHECKING:
    from bench.bench_docker import Options, Results

START_TARGET_MS = 30.0
RATIO_TARGET = 0.2
FLOOR_SLACK_MS = 20.0
VIEW_TARGET_MS = 5.0
EPS_TARGET = 5.0
EPS_CONCURRENCY = 8
MAX_CONCURRENCY = 64
IDLE_TARGET_MIB = 40.0
EDITS_TARGET_MIB = 2.0

SECTIONS = (
    "## Targets", "## Latency", "## Ratios to the baselines", "## Oracle episodes per second",
    "## Memory", "## How it was measured", "## What bounds each figure", "## Container reuse", "## Clean-up check",
)  # fmt: skip

# From profiles taken while writing this bench (py-spy on the server, pyinstrument on the runner
# child); see "What bounds each figure". Re-take them with `pip install -e '.[bench]'`.
PROFILE_NOTES = Path(__file__).with_name("profile_notes.md")


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
        docker_version = f"{version.get('Version', '?')} (API {version.get('ApiVersion', '?')})"
        client.close()
    except Exception as exc:  # noqa: BLE001 - a report line, not a failure
        docker_version = f"unknown ({exc})"
    return {
        "cores (nproc)": str(os.cpu_count()),
        "CPU model": cpu_model(),
        "memory": meminfo_total(),
        "kernel": f"{platform.system()} {platform.release()}",
        "docker server": docker_version,
        "load average at the end (1, 5, 15 min)": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def verdict(ok: bool | None) -> str:
    return "not measured" if ok is None else ("**met**" if ok else "**not met**")


def ms(v: float | None) -> str:
    return "?" if v is None else f"{v:.1f} ms"


def div(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def memory_figures(res: Results) -> dict[str, float | None]:
    f = res.facts

    def mean_mib(pairs, which: int) -> float | None:
        return statistics.fmean(p[which] for p in pairs) / MIB if pairs else None

    pool, idle = f.get("pool_memory") or [], f.get("idle_memory") or []
    before, after = f.get("server_rss") or (None, None)
    n = f.get("idle_episodes") or 0
    server = (after - before) / n / MIB if before and after and n else None
    out = {
        "pool_container": mean_mib(pool, 0), "pool_shim": mean_mib(pool, 1),
        "idle_container": mean_mib(idle, 0), "idle_shim": mean_mib(idle, 1), "idle_server": server,
    }  # fmt: skip
    out["pool_total"] = None if out["pool_container"] is None else out["pool_container"] + (out["pool_shim"] or 0)
    parts = [out["idle_container"], out["idle_shim"], out["idle_server"]]
    out["idle_total"] = None if out["idle_container"] is None else sum(p or 0 for p in parts)
    return out


def targets(res: Results) -> list[tuple[str, str, str, bool | None]]:
    m = res.m
    level = {lv.concurrency: lv for lv in res.levels if lv.reuse}
    rows: list[tuple[str, str, str, bool | None]] = []
    hit = m["start_hit"].p50
    rows.append(("`start_task` from a warm pool, p50", ms(hit), f"<= {START_TARGET_MS:g} ms", None if hit is None else hit <= START_TARGET_MS))
    for n in ("3", "30"):
        run, ex, floor = m["run" + n].p50, m["exec" + n].p50, m["floor" + n].p50
        ratio = div(run, ex)
        rows.append((f"`run_tests` p50 / `docker exec pytest` p50, {n} tests", "?" if ratio is None else f"{ratio:.3f} ({ms(run)} / {ms(ex)})", f"<= {RATIO_TARGET:g}", None if ratio is None else ratio <= RATIO_TARGET))
        over = None if run is None or floor is None else run - floor
        rows.append((f"`run_tests` p50 - host floor p50, {n} tests", "?" if over is None else f"{over:+.1f} ms ({ms(run)} - {ms(floor)})", f"<= +{FLOOR_SLACK_MS:g} ms", None if over is None else over <= FLOOR_SLACK_MS))
    view = m["view_code"].p50
    rows.append(("`view_code` p50", ms(view), f"<= {VIEW_TARGET_MS:g} ms", None if view is None else view <= VIEW_TARGET_MS))
    lv = level.get(EPS_CONCURRENCY)
    eps = lv.per_second if lv else None
    rows.append((f"oracle episodes/s at concurrency {EPS_CONCURRENCY}, 0 errors", "-" if lv is None else f"{eps or 0:.2f}/s, {lv.errors} errors", f">= {EPS_TARGET:g}/s, 0", None if lv is None else (eps or 0) >= EPS_TARGET and lv.errors == 0))
    lv = level.get(MAX_CONCURRENCY)
    rows.append((f"{MAX_CONCURRENCY} concurrent episodes", "-" if lv is None else f"{lv.done + lv.errors} episodes, {lv.errors} errors", "0 errors", None if lv is None else lv.errors == 0 and lv.done > 0))
    idle = memory_figures(res)["idle_total"]
    rows.append(("memory per idle episode", "?" if idle is None else f"{idle:.1f} MiB", f"<= {IDLE_TARGET_MIB:g} MiB", None if idle is None else idle <= IDLE_TARGET_MIB))
    edits = (res.facts.get("edit_memory") or {}).get("reverse_edits")
    edits_mib = None if edits is None else edits / MIB
    rows.append((
        f"server memory per episode after {EDITS} edits", "?" if edits_mib is None else f"{edits_mib:.2f} MiB",
        f"<= {EDITS_TARGET_MIB:g} MiB", None if edits_mib is None else edits_mib <= EDITS_TARGET_MIB,
    ))  # fmt: skip
    return rows


def edit_memory_lines(res: Results) -> list[str]:
    """The Memory section's part on episodes that edit a lot (issue 15, part 5)."""
    f = res.facts
    tm, srv = f.get("edit_memory") or {}, f.get("server_edit_memory") or {}

    def mib(v) -> str:
        return "?" if v is None else f"{v / MIB:.2f}"

    def grew(a, b) -> str:
        return "?" if a is None or b is None else f"{(b - a) / MIB:+.1f}"

    size = tm.get("file_bytes")
    return [
        f"Server memory per episode after {EDITS} one-line edits of a {mib(size)} MiB file (the size of the issue 15",
        "report), each edit on another line. First in one process, by tracemalloc after a full collection: what",
        "debugbox's episode keeps (its undo history holds reverse edits), the same after its submit (the undo",
        "history is dropped; the files and step history stay for `episodes://`), and two baselines measured in the",
        "same run: an episode with no edit, and the undo history before issue 15, a full copy of the files per edit",
        "(simulated exactly as the old `Episode.replace_lines` kept it).",
        "",
        markdown_table(
            ["what", "edits", "MiB", "how"],
            ["---", "---:", "---:", "---"],
            [
                [f"server memory per episode after {EDITS} edits", str(tm.get("edits", "?")), mib(tm.get("reverse_edits")), f"tracemalloc; the episode's own count (`retained_bytes`): {mib(tm.get('counted'))} MiB"],
                ["the same episode after its submit", str(tm.get("edits", "?")), mib(tm.get("after_submit")), "tracemalloc"],
                ["baseline: a full copy of the files per edit (before issue 15)", str(tm.get("edits", "?")), mib(tm.get("full_snapshots")), "tracemalloc, simulated"],
                ["baseline: an episode with no edit", "0", mib(tm.get("no_edits")), "tracemalloc (the files are the task's own strings)"],
            ],
        ),
        "",
        f"Then a real server (the warm-pool one above) over MCP, the file written in two calls and the edits one call",
        f"each ({srv.get('failed_edits', '?')} failed): the episode memory it counts in `debugbox://status` was {mib(srv.get('counted_before_edits'))} MiB",
        f"before the edits, {mib(srv.get('counted_after_edits'))} MiB after them and {mib(srv.get('counted_after_submit'))} MiB after the submit; its RSS grew",
        f"{grew(srv.get('rss_before'), srv.get('rss_before_edits'))} MiB for the episode and its file, {grew(srv.get('rss_before_edits'), srv.get('rss_after_edits'))} MiB over the edits, and stood at",
        f"{grew(srv.get('rss_before'), srv.get('rss_after_submit'))} MiB over the start after the submit (RSS also counts the allocator's free lists).",
        "",
    ]


def reuse_ratio(res: Results) -> list[str]:
    by_name = {lv.name: lv for lv in res.levels}
    reuse, fresh = by_name.get(str(EPS_CONCURRENCY)), by_name.get(f"{EPS_CONCURRENCY}, no reuse")
    if not (reuse and fresh and reuse.per_second and fresh.per_second):
        return []
    return [f"Reusing containers at concurrency {EPS_CONCURRENCY}: {reuse.per_second / fresh.per_second:.2f}x the episodes/s of a new container per episode.\n"]


def cpu_rows(res: Results) -> list[list[str]]:
    def s(v: float | None) -> str:
        return "?" if v is None else f"{v:.3f}"

    rows = []
    for lv in res.levels:
        machine = lv.cpu.get("machine")
        ceiling = f"{(os.cpu_count() or 1) / machine:.2f}" if machine else "?"
        rows.append([lv.name, *(s(lv.cpu.get(k)) for k in ("machine", "containers", "engine", "server", "bench")), ceiling])
    return rows


def summary_lines(res: Results) -> list[str]:
    return [f"{name}: {value} (target {limit}): {verdict(ok).strip('*')}" for name, value, limit, ok in targets(res)]


def ratio_rows(res: Results) -> list[list[str]]:
    m = res.m
    rows = []
    for n in ("3", "30"):
        run = m["run" + n]
        for key, label in (("exec", "`docker exec <c> python3 -m pytest`"), ("rm", "`docker run --rm ... pytest`"), ("floor", "host warm pytest (floor)")):
            b = m[key + n]
            r50, r99 = div(run.p50, b.p50), div(run.p99, b.p99)
            d50 = None if run.p50 is None or b.p50 is None else run.p50 - b.p50
            rows.append([f"{n} tests", label, fmt(b.p50), fmt(b.p99), fmt(run.p50), fmt(run.p99), fmt(r50, 3), fmt(r99, 3), "-" if d50 is None else f"{d50:+.1f}"])
    return rows


def report(res: Results, opts: Options, command: str, seconds: float) -> str:
    m, f = res.m, res.facts
    mem = memory_figures(res)
    ratios = f.get("paired_ratios") or []
    paired = f"{statistics.median(ratios):.3f} (p10 {ratios[max(0, math.ceil(0.1 * len(ratios)) - 1)]:.3f}, p90 {ratios[max(0, math.ceil(0.9 * len(ratios)) - 1)]:.3f})" if ratios else "?"
    before, after = f.get("server_rss") or (None, None)
    mib = lambda v: "?" if v is None else f"{v:.1f}"  # noqa: E731
    lines = [
        "# debugbox benchmarks: the Docker backend",
        "",
        "Written by `bench/bench_docker.py`; every figure below comes from one run of it.",
        "",
        f"- date: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} (run took {seconds:.0f} s)",
        *(f"- {k}: {v}" for k, v in machine().items()),
        f"- load average at the start (1, 5, 15 min): {f.get('load_at_start', '?')}",
        f"- sandbox image: `{f.get('image', '?')}` ({f.get('sandbox_python', '?')}); host: {f.get('host_python', '?')}; python of the bench and server: {platform.python_version()}",
        f"- reproduce: `{command}` from the repository root with a Docker engine running and the sandbox image built"
        " (`bash scripts/setup.sh`); `--quick` is a smoke run (3 samples, concurrency 1 and 2). The machine should be otherwise idle.",
        "",
        "## Targets",
        "",
        markdown_table(["target", "measured", "limit", "verdict"], ["---", "---:", "---:", "---"], [[a, b, c, verdict(d)] for a, b, c, d in targets(res)]),
        "",
        "## Latency",
        "",
        "Milliseconds, percentiles by nearest rank (the ceil(q*n)-th smallest sample). `run_tests` on both tasks,",
        "the host floor and the `docker exec` baselines were measured interleaved, one of each per round, after two",
        "untimed warm-up rounds; `docker run --rm` afterwards (it is slow). The load averages above say how busy",
        "the machine was; a busy machine widens every tail.",
        "",
        table(list(m.values())),
        "",
        "## Ratios to the baselines",
        "",
        "`run_tests` (MCP round trip) against each baseline on the same files: p50 over p50, p99 over p99, and",
        "the p50 difference in ms.",
        "",
        markdown_table(
            ["task", "baseline", "baseline p50", "baseline p99", "run_tests p50", "run_tests p99", "ratio p50", "ratio p99", "p50 diff ms"],
            ["---", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:"],
            ratio_rows(res),
        ),
        "",
        f"The median of the per-round ratios (each 3-test `run_tests` over the `docker exec` measured right after it,",
        f"which cancels slow drift in load) is {paired}.",
        "",
        "## Oracle episodes per second",
        "",
        "An oracle episode: `start_task`, `replace_lines` with the reference solution over the whole file,",
        "`run_tests`, `submit` (it must resolve, or it counts as an error). C workers each play episodes back to back,",
        "each episode in its own MCP session over Streamable HTTP to one `debugbox serve --transport http` (as",
        "`harness/eval` runs them), a fresh server per concurrency with a warm pool of min(C, 16), full before the",
        "clock starts. The server hands a submitted episode's container back to its pool once the runner's audit",
        "finds nothing left of the episode and the runner has replaced itself with a fresh process (issue 15: nothing",
        "of an episode stays in memory either; `--episodes-per-container`, default 100); the `no reuse` row, run with",
        "`--episodes-per-container 1`, is the baseline: a new container for every episode. What reuse still saves",
        "is the container's create, start and removal in the engine; the runner's interpreter start and warm-up",
        "(~0.3 s) is paid again per episode, off the submit's path.",
        "episodes/s = completed episodes / wall time; step = any one tool call; times in ms.",
        "",
        markdown_table(THROUGHPUT_HEAD, ["---:"] * len(THROUGHPUT_HEAD), [lv.row() for lv in res.levels]),
        "",
        *reuse_ratio(res),
        *(f"- concurrency {lv.name}: {note}\n" for lv in res.levels for note in lv.notes),
        "",
        "CPU seconds per episode over each level's timed part, by part (`bench/cpu.py`): the machine's busy time",
        "on all cores; the sandbox containers (their cgroup); the Docker engine's processes alive at the end",
        "(dockerd, containerd, shims; a removed container's shim is not counted); the server; the bench's own",
        "MCP clients, which share the 2 cores. 2 / machine CPU-s is the episodes/s ceiling of this machine.",
        "",
        markdown_table(["concurrency", "machine", "containers", "engine", "server", "bench clients", "ceiling episodes/s"], ["---:"] * 7, cpu_rows(res)),
        "",
        "## Memory",
        "",
        "Per container: its memory cgroup's usage less inactive file cache (what `docker stats` shows: the",
        "runner, Python with pytest imported and warmed up, and its tmpfs files), plus the RSS of its",
        "`containerd-shim` on the host. Per idle episode, also the server's RSS growth divided by the episodes.",
        "",
        markdown_table(
            ["what", "n", "container MiB", "shim MiB", "server MiB", "total MiB"],
            ["---", "---:", "---:", "---:", "---:", "---:"],
            [
                ["pooled container", str(len(f.get("pool_memory") or [])), mib(mem["pool_container"]), mib(mem["pool_shim"]), "-", mib(mem["pool_total"])],
                ["idle episode (started, untouched)", str(f.get("idle_episodes", "?")), mib(mem["idle_container"]), mib(mem["idle_shim"]), mib(mem["idle_server"]), mib(mem["idle_total"])],
            ],
        ),
        "",
        f"Server RSS before the idle episodes {mib(before / MIB if before else None)} MiB, after {mib(after / MIB if after else None)} MiB.",
        "",
        *edit_memory_lines(res),
        "## How it was measured",
        "",
        f"- Servers: `{sys.executable} -m cli serve --backend docker --pool-size N --tasks <pack> --max-steps-limit 1000`; over stdio",
        "  with one `mcp.Client` session for the latency and memory figures, over Streamable HTTP for the episodes/s.",
        "  Every MCP figure is `time.perf_counter()` around `await client.call_tool(...)`: JSON-RPC over the",
        "  transport, the tool, the result's model and text, and the client's parsing of it.",
        "- Tasks: a bench-only pack written to a temp dir (`bench/taskpack.py`): `binary_search_off_by_one` with 3",
        "  and with 30 visible tests; one fails on the buggy code in each (the server reports",
        f"  `{f.get(f'server_summary_bench_three_tests', '?')}` and `{f.get(f'server_summary_bench_thirty_tests', '?')}`; `docker exec` on the 30: `{f.get('baseline_summary', '?')}`;",
        f"  the floor {f.get('floor_summary_bench_three_tests', '?')} and {f.get('floor_summary_bench_thirty_tests', '?')}).",
        f"- Warm pool: before each timed `start_task` the client reads `debugbox://status` until the pool is full.",
        f"  Pool hits/misses of the timed starts: {f.get('hit_phase', '?')}; the server's claim time p50/p99 (ms): {f.get('claim_ms', '?')}.",
        "- Pool misses: a second server with `--pool-size 0`; one untimed warm-up start, then the timed ones.",
        "- `docker exec`: a `sleep infinity` container of the same image with the backend's hardening (no network, all",
        "  capabilities dropped, no-new-privileges, read-only root, tmpfs `/workspace`, 512 MiB, 128 pids, 1 CPU, user",
        "  65534), the files untarred once; the files stay in place between runs (`run_tests` writes a fresh",
        "  workspace every time), which favours the baseline.",
        "- `docker run --rm`: the same image and hardening, the files bind-mounted read-only, `python3 -m pytest` as the",
        "  entry point; a new container per run.",
        "- The floor: `sandbox/runner.py` started on the host by the host's Python (pytest imported once, one warm-up",
        "  run, then a forked child per run, exactly what runs in a container) and sent the same run request as",
        "  JSON on its stdin; no container, no server, no MCP. Note its pytest is the host's, which may differ",
        f"  from the image's (see above), and its process sweep scans the host's /proc ({f.get('host_processes', '?')} processes).",
        "",
        "## What bounds each figure",
        "",
        PROFILE_NOTES.read_text(encoding="utf-8").strip() if PROFILE_NOTES.exists() else "(no profile notes)",
        "",
        "## Container reuse",
        "",
        "A container made for the warm pool goes back to the pool when its episode submits and serves up to",
        "`--episodes-per-container` episodes (default 100) in turn, each only after the runner's audit finds nothing",
        "left: no entry in `/workspace`, `/tmp`, `/dev/shm` or `/dev/mqueue`, no process but the runner, no System V",
        "IPC object (every run already ends wiped; the runner itself never runs the agent's code); and then the",
        "runner execve()s a fresh runner in its place, so no memory of the episode (its code, its hidden tests) reaches",
        "the next (`tests/test_hostile_tenants.py::test_a_later_tenant_finds_nothing_of_an_earlier_episode_in_memory`",
        "scans a later episode's whole process memory for the earlier one's markers). Proof of the files, processes",
        "and IPC:",
        "`tests/test_docker.py::test_a_reused_container_is_as_clean_as_a_new_one` (an episode leaves files, a",
        "`chmod 000` directory, SysV and POSIX IPC objects and a daemon, also while its hidden tests run; the next",
        "episode in that container sees the fingerprint of a new one, and the test fails with the wipe or the audit",
        "disabled) and `test_a_container_with_a_process_the_audit_finds_is_not_reused`. What does carry over is",
        "counters without content: the container cgroup's cumulative CPU time and memory high-water mark, and the",
        "PID and inode numbers in use. `--episodes-per-container 1` turns reuse off (the `no reuse` row above).",
        "",
        "## Clean-up check",
        "",
        f"- containers left by the warm-pool server after it exited: {f.get('left_by_warm_server', '?')}; by the `--pool-size 0` server:"
        f" {f.get('left_by_pool0_server', '?')}; by the episodes/s servers: {[lv.left for lv in res.levels]} (any would have been force-removed)",
        f"- baseline containers (`label={BASELINE_LABEL}`) removed at the end: {f.get('baseline_left', '?')}",
        f"- `docker ps -a --filter label={LABEL}` at the end: {f.get('debugbox_containers_at_end', '?')} (other users of the engine owned"
        f" {f.get('foreign_containers_at_start', '?')} at the start)",
        "",
    ]
    failed = f.get("failed_calls") or []
    if failed:
        lines += ["## Failed calls", "", *(f"- {' '.join(str(x).split())[:400]}" for x in failed[:50]), ""]
    return "\n".join([*lines, *other_benchmarks()])


def other_benchmarks(root: Path = Path(__file__).resolve().parent.parent) -> list[str]:
    """An index of the benchmarks each part writes to a file of its own (each measures against its
    own baseline in its own run), so that BENCHMARKS.md is where a reader starts."""
    files = sorted(root.glob("BENCHMARKS_*.md"))
    if not files:
        return []
    rows = []
    for path in files:
        heading = next((line.lstrip("# ").strip() for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("# ")), "")
        rows.append([f"[{path.name}]({path.name})", heading])
    return ["## The other benchmarks", "", markdown_table(["file", "what it measures"], ["---", "---"], rows), ""]
