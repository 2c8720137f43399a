"""What every bench phase shares: samples and percentiles, timed MCP calls, the servers under test,
and the containers a server instance owns (the bench removes only its own)."""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from sandbox.docker.container import LABEL, LABEL_INSTANCE

REPO = Path(__file__).resolve().parent.parent
STATUS_URI = "debugbox://status"
SETTLE_S = 0.1  # after the pool reports full, let the engine finish its bookkeeping

FAILED_CALLS: list[str] = []  # what each failed call said, for the report


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def pct(samples: list[float], q: float) -> float | None:
    """Nearest-rank percentile: the ceil(q*n)-th smallest sample."""
    if not samples:
        return None
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def fmt(v: float | None, digits: int = 1) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


@dataclass
class Measure:
    name: str
    how: str
    samples: list[float] = field(default_factory=list)  # milliseconds
    errors: int = 0

    def pct(self, q: float) -> float | None:
        return pct(self.samples, q)

    @property
    def p50(self) -> float | None:
        return self.pct(0.50)

    @property
    def p99(self) -> float | None:
        return self.pct(0.99)

    def row(self) -> list[str]:
        mean = statistics.fmean(self.samples) if self.samples else None
        low = min(self.samples) if self.samples else None
        errors = f" ({self.errors} failed)" if self.errors else ""
        return [self.name, f"{len(self.samples)}{errors}", fmt(self.p50), fmt(self.pct(0.9)), fmt(self.p99), fmt(mean), fmt(low), self.how]


def markdown_table(head: list[str], align: list[str], rows: list[list[str]]) -> str:
    lines = [head, align, *rows]
    return "\n".join("| " + " | ".join(r) + " |" for r in lines)


def table(measures: list[Measure]) -> str:
    head = ["measure", "n", "p50 ms", "p90 ms", "p99 ms", "mean ms", "min ms", "how"]
    return markdown_table(head, ["---", "---:", "---:", "---:", "---:", "---:", "---:", "---"], [m.row() for m in measures])


# ---------------------------------------------------------------------------------------------
# The servers under test


def serve_args(pool_size: int, pack: Path) -> list[str]:
    # --max-steps-limit: the latency phases play hundreds of steps in one episode (max_steps=1000).
    return ["-m", "cli", "serve", "--backend", "docker", "--pool-size", str(pool_size), "--tasks", str(pack), "--max-steps-limit", "1000"]


@asynccontextmanager
async def stdio_server(pool_size: int, pack: Path, errlog) -> AsyncIterator[Client]:
    """`debugbox serve` over stdio with one MCP client session (the server's log to `errlog`)."""
    params = StdioServerParameters(
        command=sys.executable,
        args=serve_args(pool_size, pack),
        cwd=str(REPO),
        env={k: v for k, v in os.environ.items() if k.startswith(("DOCKER_", "PATH"))},
    )
    async with Client(stdio_client(params, errlog=errlog)) as client:
        yield client


async def status(client: Client) -> dict[str, Any]:
    result = await client.read_resource(STATUS_URI, cache_mode="bypass")
    return json.loads(result.contents[0].text)


async def wait_for_full_pool(client: Client, timeout_s: float = 90.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        sandbox = (await status(client))["sandbox"]
        if sandbox["pool_idle"] >= sandbox["pool_target"]:
            await anyio.sleep(SETTLE_S)
            return True
        await anyio.sleep(0.05)
    return False


def text_of(result) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content or [])


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


async def sample(client: Client, measure: Measure, tool: str, **args) -> dict[str, Any] | None:
    ms, result = await timed_call(client, tool, **args)
    if result is None:
        measure.errors += 1
    else:
        measure.samples.append(ms)
    return result


# ---------------------------------------------------------------------------------------------
# Containers, by the server instance that owns them


def containers_of(instance: str | None = None) -> list[str]:
    label = f"{LABEL_INSTANCE}={instance}" if instance else LABEL
    out = subprocess.run(["docker", "ps", "-aq", "--filter", f"label={label}"], capture_output=True, text=True, check=False)
    return out.stdout.split()


def wait_until_gone(instance: str | None, timeout_s: float = 60.0) -> list[str]:
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


def measure_and_write(
    out: str,
    repeat: int,
    *,
    scratch_prefix: str,
    write_pack: Callable[[Path], Path],
    measure: Callable[[Path, int], Any],
    report: Callable[[dict[str, Measure], dict, int, float], str],
    written: str = "",
) -> int:
    """A one-pack bench's whole run: its pack written in a scratch directory, `repeat` rounds
    measured, the report written to `out` and shown on stderr. `written` says what the pack holds."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=scratch_prefix) as tmp:
        pack = write_pack(Path(tmp))
        say(f"{written + '; ' if written else ''}measuring {repeat} rounds")
        measures, facts = anyio.run(measure, pack, repeat)
    text = report(measures, facts, repeat, time.monotonic() - started)
    Path(out).write_text(text, encoding="utf-8")
    print(text, file=sys.stderr)
    return 0


def written_by(script: str, took_s: float, repeat: int, extra: str = "") -> str:
    """The opening line of a bench's report: which script, when, how long, on what machine, under
    what load (figures from a loaded machine are compared as ratios, never as milliseconds)."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"Written by `bench/{script}` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {took_s:.0f} s, repeat {repeat}; "
        f"cores: {os.cpu_count()}; {platform.processor() or platform.machine()}; python {platform.python_version()}; "
        f"load average at the end: {load}{'; ' + extra if extra else ''})."
    )
