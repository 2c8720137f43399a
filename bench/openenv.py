"""The OpenEnv front end's speed, written to BENCHMARKS_OPENENV.md:

- a `step` round trip over `/ws` for view_code (p50 target <= 5 ms);
- run_tests over `/ws` against the MCP path (Streamable HTTP, `debugbox serve`) in the same run,
  same backend and task (target: within 1.1x);
- N concurrent OpenEnv episodes (default 64), each reset, view_code, run_tests, submit: 0 errors;
- with the local backend, the same run_tests and N episodes on a server whose runs are confined as
  in the OpenEnv image (`--confine-runs`: seccomp and Landlock), against the unconfined ones.

    python -m bench.openenv [--backend local|docker] [--concurrency 64] [--samples 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import AsyncExitStack
from datetime import datetime, timezone
from pathlib import Path

from mcp import Client
from websockets.asyncio.client import connect

REPO = Path(__file__).resolve().parents[1]
TASK = "binary_search_off_by_one"


def spawn(args: list[str], port: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen([sys.executable, "-m", "cli", *args, "--port", str(port)], cwd=REPO, env=env, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health" if "serve-openenv" in args else f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise TimeoutError(f"{args[0]} did not start")


async def ws_request(ws, message: dict) -> tuple[float, dict]:
    started = time.perf_counter()
    await ws.send(json.dumps(message))
    reply = json.loads(await ws.recv())
    return (time.perf_counter() - started) * 1000, reply


def step(tool: str, **arguments) -> dict:
    return {"type": "step", "data": {"type": "call_tool", "tool_name": tool, "arguments": arguments}}


async def ws_latency(url: str, samples: int) -> list[float]:
    view = []
    async with connect(url) as ws:
        await ws_request(ws, {"type": "reset", "data": {"task_id": TASK, "max_steps": 10_000}})
        for _ in range(samples):
            view.append((await ws_request(ws, step("view_code")))[0])
    return view


async def run_tests_side_by_side(ws_urls: list[str], mcp_url: str | None, n: int) -> list[list[float]]:
    """run_tests over each /ws server (and MCP), in turns: a load that changes during the run (a
    shared machine) weighs on every path alike, which measuring one path after the other would not."""
    times: list[list[float]] = [[] for _ in range(len(ws_urls) + (mcp_url is not None))]
    async with AsyncExitStack() as stack:
        sockets = [await stack.enter_async_context(connect(url)) for url in ws_urls]
        for ws in sockets:
            await ws_request(ws, {"type": "reset", "data": {"task_id": TASK, "max_steps": 10_000}})
            await ws_request(ws, step("run_tests"))  # warm: the baseline is measured once
        calls = [lambda ws=ws: ws_request(ws, step("run_tests")) for ws in sockets]
        if mcp_url is not None:
            client = await stack.enter_async_context(Client(mcp_url))
            start = await client.call_tool("start_task", {"task_id": TASK, "max_steps": 10_000})
            episode = start.structured_content["episode_id"]
            await client.call_tool("run_tests", {"episode_id": episode})
            calls.append(lambda: client.call_tool("run_tests", {"episode_id": episode}))
        for _ in range(n):
            for index, call in enumerate(calls):
                started = time.perf_counter()
                await call()
                times[index].append((time.perf_counter() - started) * 1000)
    return times


async def concurrent(url: str, n: int) -> tuple[list[bool], float]:
    started = time.perf_counter()
    results = await asyncio.gather(*(one_episode(url) for _ in range(n)))
    return list(results), time.perf_counter() - started


async def one_episode(url: str) -> bool:
    try:
        async with connect(url, open_timeout=60) as ws:
            for message in ({"type": "reset", "data": {"task_id": TASK}}, step("view_code"), step("run_tests"), step("submit")):
                _, reply = await ws_request(ws, message)
                if reply["type"] != "observation" or (reply["data"]["observation"].get("error") is not None):
                    print(f"episode failed at {message['type']}: {json.dumps(reply)[:400]}", file=sys.stderr)
                    return False
            return reply["data"]["done"] is True
    except Exception as exc:  # counted as an error
        print(f"episode failed: {exc!r}", file=sys.stderr)
        return False


def p50(samples: list[float]) -> float:
    return statistics.median(samples) if samples else float("nan")


async def main_async(args) -> str:
    backend = ["--backend", args.backend, "--max-steps-limit", "10000"]
    when, load = datetime.now(timezone.utc), os.getloadavg()[0]
    confine = args.backend == "local"  # the image's confinement is the local backend's
    servers = [spawn(["serve-openenv", *backend], 18741), spawn(["serve", "--transport", "http", *backend], 18742)]
    if confine:
        servers.append(spawn(["serve-openenv", *backend, "--confine-runs"], 18743))
    ws_urls = ["ws://127.0.0.1:18741/ws"] + (["ws://127.0.0.1:18743/ws"] if confine else [])
    try:
        view = await ws_latency(ws_urls[0], args.samples)
        measured = await run_tests_side_by_side(ws_urls, "http://127.0.0.1:18742/mcp", max(20, args.samples // 5))
        tests, mcp_tests = measured[0], measured[-1]
        results, wall = await concurrent(ws_urls[0], args.concurrency)
        confined_rows = []
        if confine:
            confined_tests = measured[1]
            confined_results, confined_wall = await concurrent(ws_urls[1], args.concurrency)
            confined_rows = [
                f"| run_tests p50 over /ws, confined runs (the image's) vs not | {p50(confined_tests):.0f} ms vs {p50(tests):.0f} ms: "
                f"{p50(confined_tests) / p50(tests):.2f}x | (cost of confinement) |",
                f"| {args.concurrency} concurrent episodes, confined runs | {confined_results.count(False)} errors, {confined_wall:.1f} s wall "
                f"(unconfined {wall:.1f} s) | 0 errors |",
            ]
    finally:
        for process in servers:
            process.terminate()
            process.wait(timeout=30)
    ratio = p50(tests) / p50(mcp_tests)
    errors = results.count(False)
    return "\n".join(
        [
            "# OpenEnv front end benchmarks",
            "",
            f"`python -m bench.openenv --backend {args.backend} --concurrency {args.concurrency} --samples {args.samples}` on "
            f"{platform.machine()}, {os.cpu_count()} CPUs, task `{TASK}`, {when:%Y-%m-%d %H:%M} UTC, "
            f"load average {load:.1f} at the start.",
            "",
            "| measure | result | target |",
            "| --- | --- | --- |",
            f"| /ws step round trip, view_code, p50 | {p50(view):.2f} ms ({len(view)} samples) | <= 5 ms |",
            f"| run_tests p50: /ws vs MCP (Streamable HTTP), {len(tests)} each, in turns | {p50(tests):.0f} ms vs {p50(mcp_tests):.0f} ms: {ratio:.2f}x | <= 1.1x |",
            f"| {args.concurrency} concurrent episodes (reset, view_code, run_tests, submit) | {errors} errors, {wall:.1f} s wall | 0 errors |",
            *confined_rows,
            "",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="local", choices=["local", "docker"])
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--out", default=str(REPO / "BENCHMARKS_OPENENV.md"))
    args = parser.parse_args()
    report = asyncio.run(main_async(args))
    Path(args.out).write_text(report)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
