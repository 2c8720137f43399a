"""A real `debugbox serve` subprocess, over stdio and over Streamable HTTP, plays whole episodes."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from mcp import Client, StdioServerParameters

from tests.helpers import http_server, serve_command, solve_with_reference

pytestmark = pytest.mark.anyio
TASK = "valid_parentheses_wrong_mapping"


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_stdio_server_solves_a_task(backend, catalog, mode):
    command = serve_command("--backend", backend)
    params = StdioServerParameters(command=command[0], args=command[1:])
    async with Client(params, mode=mode) as client:
        final = await solve_with_reference(client, catalog.get(TASK))
    assert final["score"] == 1.0 and final["resolved"]


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_http_server_solves_a_task_and_stops_cleanly_on_sigterm(backend, catalog, mode):
    with http_server("--backend", backend) as (process, url):
        async with Client(url, mode=mode) as client:
            final = await solve_with_reference(client, catalog.get(TASK))
            assert final["score"] == 1.0
            # An episode left running must be ended (and its sandbox removed) by SIGTERM.
            await client.call_tool("start_task", {"task_id": TASK})
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0


def test_debugbox_demo_runs_end_to_end():
    result = subprocess.run(
        [sys.executable, "-m", "mcp_server.cli", "demo", "--task", TASK],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Final score: 1.00 (resolved: true" in result.stdout
    for step in ("start_task", "view_code", "run_tests", "replace_lines", "submit"):
        assert f"=== {step}" in result.stdout
