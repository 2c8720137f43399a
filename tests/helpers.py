"""Test helpers: start real `debugbox serve` processes and play episodes through real clients."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

from mcp import Client


def text_of(result) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


async def call_ok(client: Client, tool: str, **args) -> dict:
    result = await client.call_tool(tool, args)
    assert not result.is_error, f"{tool} failed: {text_of(result)}"
    return result.structured_content


async def solve_with_reference(client: Client, task) -> dict:
    """Start, view, run tests, paste the reference solution, run tests, submit."""
    start = await call_ok(client, "start_task", task_id=task.id)
    episode = start["episode_id"]
    lines = {f["path"]: f["lines"] for f in start["files"]}
    await call_ok(client, "view_code", episode_id=episode)
    await call_ok(client, "run_tests", episode_id=episode)
    for path, text in task.solution_files.items():
        await call_ok(client, "replace_lines", episode_id=episode, path=path, start_line=1, end_line=lines[path], new_code=text)
    passed = await call_ok(client, "run_tests", episode_id=episode)
    assert passed["passed"] == passed["total"]
    return await call_ok(client, "submit", episode_id=episode)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "cli", "serve", *args]


@contextmanager
def http_server(*args: str, timeout_s: float = 60):
    """A real `debugbox serve --transport http` on a free loopback port; yields (process, url)."""
    port = free_port()
    process = subprocess.Popen(
        serve_command("--transport", "http", "--port", str(port), *args),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited early: {process.stderr.read().decode()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError("debugbox serve --transport http did not listen in time") from None
                time.sleep(0.1)
        yield process, f"http://127.0.0.1:{port}/mcp"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
