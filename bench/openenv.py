"""The OpenEnv front end's speed, written to BENCHMARKS_OPENENV.md:

- a `step` round trip over `/ws` for view_code (p50 target <= 5 ms);
- run_tests over `/ws` against the MCP path (Streamable HTTP, `debugbox serve`) in the same run,
  same backend and task (target: within 1.1x);
- N concurrent OpenEnv episodes (default 64), each reset, view_code, run_tests, submit: 0 errors.

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


async def ws_latency(url: str, samples: int) -> tuple[list[float], list[float]]:
    view, tests = [], []
    async with connect(url) as ws:
        await ws_request(ws, {"type": "reset", "data": {"task_id": TASK, "max_steps": 10_000}})
        await ws_request(ws, step("run_tests"))  # warm: the baseline is measured once
        for _ in range(samples):
            view.append((await ws_request(ws, step("view_code")))[0])
        for _ in range(max(10, samples // 10)):
            tests.append((await ws_request(ws, step("run_tests")))[0])
    return view, tests


async def mcp_run_tests(url: str, n: int) -> list[float]:
    out = []
    async with Client(url) as client:
        start = await client.call_tool("start_task", {"task_id": TASK, "max_steps": 10_000})
        episode = start.structured_content["episode_id"]
        await client.call_tool("run_tests", {"episode_id": episode})
        for _ in range(n):
            started = time.perf_counter()
            await client.call_tool("run_tests", {"episode_id": episode})
            out.append((time.perf_counter() - started) * 1000)
    return out


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
    openenv = spawn(["serve-openenv", *backend], 18741)
    mcp = spawn(["serve", "--transport", "http", *backend], 18742)
    try:
        view, tests = await ws_latency("ws://127.0.0.1:18741/ws", args.samples)
        mcp_tests = await mcp_run_tests("http://127.0.0.1:18742/mcp", len(tests))
        started = time.perf_counter()
        results = await asyncio.gather(*(one_episode("ws://127.0.0.1:18741/ws") for _ in range(args.concurrency)))
        wall = time.perf_counter() - started
    finally:
        for process in (openenv, mcp):
            process.terminate()
            process.wait(timeout=30)
    ratio = p50(tests) / p50(mcp_tests)
    errors = results.count(False)
    return "\n".join(
        [
            "# OpenEnv front end benchmarks",
            "",
            f"`python -m bench.openenv --backend {args.backend} --concurrency {args.concurrency} --samples {args.samples}` on "
            f"{platform.machine()}, {os.cpu_count()} CPUs, task `{TASK}`.",
            "",
            "| measure | result | target |",
            "| --- | --- | --- |",
            f"| /ws step round trip, view_code, p50 | {p50(view):.2f} ms ({len(view)} samples) | <= 5 ms |",
            f"| run_tests p50: /ws vs MCP (Streamable HTTP) | {p50(tests):.0f} ms vs {p50(mcp_tests):.0f} ms: {ratio:.2f}x | <= 1.1x |",
            f"| {args.concurrency} concurrent episodes (reset, view_code, run_tests, submit) | {errors} errors, {wall:.1f} s wall | 0 errors |",
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
