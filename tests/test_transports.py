"""A real `debugbox serve` subprocess, over stdio and over Streamable HTTP, plays whole episodes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import docker

import pytest
from mcp import Client, StdioServerParameters

from tests.helpers import http_server, serve_command, solve_with_reference, text_of

pytestmark = pytest.mark.anyio
TASK = "valid_parentheses_wrong_mapping"


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_stdio_server_solves_a_task(backend, catalog, mode):
    command = serve_command("--backend", backend)
    params = StdioServerParameters(command=command[0], args=command[1:])
    async with Client(params, mode=mode) as client:
        final = await solve_with_reference(client, catalog.get(TASK))
        await client.call_tool("start_task", {"task_id": TASK})  # left running on purpose
        status = json.loads((await client.read_resource("debugbox://status")).contents[0].text)
    assert final["score"] == 1.0 and final["resolved"]
    if backend == "docker":
        # Closing stdin ends the server, and the server removes every container it made.
        instance = status["sandbox"]["instance"]
        engine = docker.from_env()
        for _ in range(300):
            if not engine.api.containers(all=True, filters={"label": f"io.debugbox.instance={instance}"}):
                break
            time.sleep(0.1)
        else:
            raise AssertionError("containers survived the end of a stdio session")


async def test_auto_backend_falls_back_to_local_without_an_engine(catalog, tmp_path):
    command = serve_command("--backend", "auto")
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"}
    params = StdioServerParameters(command=command[0], args=command[1:], env=env)
    async with Client(params) as client:
        start = await client.call_tool("start_task", {"task_id": TASK})
    assert start.structured_content["sandbox"] == {"backend": "local", "isolation": "process"}
    assert "process isolation only" in text_of(start)


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
        [sys.executable, "-m", "cli", "demo", "--task", TASK],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Final score: 1.00 (resolved: true" in result.stdout
    for step in ("start_task", "view_code", "run_tests", "replace_lines", "submit"):
        assert f"=== {step}" in result.stdout
