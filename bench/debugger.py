"""Debugger benchmark (issue 20): the debugger's round trips on the Docker backend, MCP over stdio.

    python -m bench.debugger [--repeat N] [--out BENCHMARKS_DEBUGGER.md]

Measured in one run, client call to result, interleaved sample by sample:
  * debug_command on a live session (`p lo, hi`: pdb answers without running the program);
  * debug_start to the first breakpoint of a 3-test file, against run_tests of the same file;
  * trace of the failing test's function;
  * the baseline: one `docker exec <c> python3 -m pdb` per command, in a container hardened like a
    sandbox, that runs pytest to the same breakpoint and answers the same command (what a debugger
    tool without a resident session pays per command).
It reports figures against the issue's targets and never asserts.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import anyio
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from bench import baselines as base
from bench.measure import REPO, Measure, fmt, sample, say, serve_args, table
from bench.taskpack import SMALL, make_task_pack, workspace_files
from sandbox.docker.provider import DockerSettings

TEST_FILE = "tests/test_binary_search.py"
BREAKPOINT = "binary_search.py:23"  # `return -1`, reached by test_finds_last_element


async def measure_server(pack: Path, repeat: int, errlog) -> dict[str, Measure]:
    m = {
        "command": Measure("debug_command `p lo, hi`", "a live session, MCP over stdio"),
        "start": Measure("debug_start to the first breakpoint, 3-test file", f"target {TEST_FILE}, breakpoint {BREAKPOINT}"),
        "run": Measure("run_tests, same 3-test file", "every visible test"),
        "trace": Measure("trace binary_search, one failing test", "sys.settrace in the sandbox"),
    }
    params = StdioServerParameters(
        command=sys.executable,
        args=serve_args(1, pack),
        cwd=str(REPO),
        env={k: v for k, v in os.environ.items() if k.startswith(("DOCKER_", "PATH", "DEBUGBOX_"))},
    )
    async with Client(stdio_client(params, errlog=errlog)) as client:
        episode = (await client.call_tool("start_task", {"task_id": SMALL, "max_steps": 1000})).structured_content["episode_id"]
        await client.call_tool("run_tests", {"episode_id": episode})  # warm: the baseline measured, imports cached
        for _ in range(repeat):
            await sample(client, m["run"], "run_tests", episode_id=episode)
            await sample(client, m["start"], "debug_start", episode_id=episode, target=TEST_FILE, breakpoints=[BREAKPOINT])
            for _ in range(5):
                await sample(client, m["command"], "debug_command", episode_id=episode, command="p lo, hi")
            await sample(client, m["trace"], "trace", episode_id=episode, target=f"{TEST_FILE}::test_finds_last_element", function="binary_search")
    return m


def measure_exec_pdb(pack: Path, repeat: int, image: str) -> Measure:
    m = Measure("`docker exec python3 -m pdb`, one command", "runs pytest to the breakpoint, answers `p lo, hi`, quits")
    settings = DockerSettings(image=image)
    container = base.start_exec_container(settings)
    try:
        base.copy_into(container, "/workspace/run", workspace_files(pack, SMALL))
        argv = ["python3", "-m", "pdb", "-c", f"b {BREAKPOINT}", "-c", "c", "-c", "p lo, hi", "-c", "q",
                "-m", "pytest", "-q", "-p", "no:cacheprovider", "-s", TEST_FILE]  # fmt: skip
        base.exec_cli(container, argv, "/workspace/run")  # warm the page cache
        for _ in range(repeat * 5):
            ms, code, out = base.exec_cli(container, argv, "/workspace/run")
            if "(4, 4)" in out:
                m.samples.append(ms)
            else:
                m.errors += 1
                say(f"exec pdb: unexpected output (exit {code}): {out[-300:]}")
    finally:
        subprocess.run(["docker", "rm", "-f", container], capture_output=True, check=False)
    return m


def report(m: dict[str, Measure], repeat: int, took_s: float) -> str:
    command, start, run, exec_pdb = m["command"], m["start"], m["run"], m["exec"]
    ratio = start.p50 / run.p50 if start.p50 and run.p50 else None
    rows = [
        ("`debug_command` round trip p50 (Docker, MCP over stdio)", f"{fmt(command.p50)} ms", "<= 20 ms", command.p50 is not None and command.p50 <= 20),
        ("`debug_start` to first breakpoint / `run_tests`, 3-test file, p50", f"{fmt(ratio, 2)} ({fmt(start.p50)} ms / {fmt(run.p50)} ms)", "<= 1.5", ratio is not None and ratio <= 1.5),
        ("`debug_command` p50 vs `docker exec python -m pdb` p50", f"{fmt(command.p50)} ms vs {fmt(exec_pdb.p50)} ms", "(debug-gym: ~300-400 ms)", None),
    ]
    lines = [
        "# debugbox benchmarks: the debugger",
        "",
        f"Written by `bench/debugger.py` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {took_s:.0f} s, repeat {repeat}; "
        f"cores: {os.cpu_count()}; load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}).",
        "",
        "| target | measured | limit | verdict |",
        "| --- | ---: | ---: | --- |",
        *[f"| {name} | {value} | {limit} | {'-' if ok is None else '**met**' if ok else '**not met**'} |" for name, value, limit, ok in rows],
        "",
        table([command, start, run, m["trace"], exec_pdb]),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--out", default="BENCHMARKS_DEBUGGER.md")
    args = parser.parse_args(argv)
    image = os.environ.get("DEBUGBOX_IMAGE") or DockerSettings().image
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        pack = make_task_pack(Path(tmp))
        with open(Path(tmp) / "server.log", "w") as errlog:
            measures = anyio.run(measure_server, pack, args.repeat, errlog)
        measures["exec"] = measure_exec_pdb(pack, args.repeat, image)
    text = report(measures, args.repeat, time.monotonic() - started)
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
