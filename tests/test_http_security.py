"""Remote serving: bearer tokens, Origin checks, the health endpoint, many clients at once,
per-token and per-server episode limits, episode ownership, and a clean SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import anyio
import docker
import httpx
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from tests.helpers import call_ok, free_port, http_server, serve_command, solve_with_reference, text_of

pytestmark = pytest.mark.anyio
TOKEN_A = "team-a=" + "a" * 32
TOKEN_B = "team-b=" + "b" * 32
TASK = "valid_parentheses_wrong_mapping"
MCP_HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}


def authed(url: str, spec: str) -> Client:
    token = spec.partition("=")[2]
    return Client(streamable_http_client(url, http_client=create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})))


def test_a_non_loopback_bind_without_a_token_is_refused():
    result = subprocess.run(
        serve_command("--transport", "http", "--host", "0.0.0.0", "--port", str(free_port()), "--backend", "local"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "needs a bearer token" in result.stderr


def test_a_short_token_is_refused():
    result = subprocess.run(
        serve_command("--transport", "http", "--port", str(free_port()), "--backend", "local", "--auth-token", "short"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "at least 16 characters" in result.stderr


async def test_tokens_are_required_and_checked(catalog):
    with http_server("--backend", "local", "--host", "0.0.0.0", "--auth-token", TOKEN_A) as (_, url):
        async with httpx.AsyncClient() as http:
            assert (await http.post(url, json=INITIALIZE, headers=MCP_HEADERS)).status_code == 401
            wrong = {**MCP_HEADERS, "Authorization": "Bearer " + "c" * 32}
            assert (await http.post(url, json=INITIALIZE, headers=wrong)).status_code == 401
            right = {**MCP_HEADERS, "Authorization": "Bearer " + "a" * 32}
            assert (await http.post(url, json=INITIALIZE, headers=right)).status_code == 200
            health = await http.get(url.replace("/mcp", "/healthz"))
            assert health.status_code == 200 and health.json() == {"status": "ok"}
        async with authed(url, TOKEN_A) as client:
            final = await solve_with_reference(client, catalog.get(TASK))
        assert final["resolved"]


async def test_origins_outside_the_list_are_refused():
    with http_server("--backend", "local", "--allowed-origin", "https://agents.example") as (_, url):
        port = url.split(":")[2].split("/")[0]
        async with httpx.AsyncClient() as http:
            for origin, allowed in [
                ("https://evil.example", False),
                ("http://127.0.0.1.evil.example:80", False),
                ("https://agents.example", True),
                (f"http://127.0.0.1:{port}", True),
                (None, True),
            ]:
                headers = dict(MCP_HEADERS) | ({"Origin": origin} if origin else {})
                status = (await http.post(url, json=INITIALIZE, headers=headers)).status_code
                assert (status == 403) is not allowed, (origin, status)
            rebinding = dict(MCP_HEADERS) | {"Host": "attacker.example"}
            assert (await http.post(url, json=INITIALIZE, headers=rebinding)).status_code in (403, 421)


async def test_many_clients_limits_and_ownership(backend, catalog):
    args = ["--backend", backend, "--auth-token", TOKEN_A, "--auth-token", TOKEN_B, "--max-episodes", "5", "--max-episodes-per-token", "3"]
    with http_server(*args) as (_, url):
        results = []

        async def play(spec: str) -> None:
            async with authed(url, spec) as client:
                results.append(await solve_with_reference(client, catalog.get(TASK)))

        async with anyio.create_task_group() as tg:
            for spec in (TOKEN_A, TOKEN_B, TOKEN_A, TOKEN_B):
                tg.start_soon(play, spec)
        assert len(results) == 4 and all(r["resolved"] for r in results)

        async with authed(url, TOKEN_A) as a, authed(url, TOKEN_B) as b:
            mine = [(await call_ok(a, "start_task", task_id=TASK))["episode_id"] for _ in range(3)]
            assert len(set(mine)) == 3 and all(len(e) >= 20 for e in mine)
            over = await a.call_tool("start_task", {"task_id": TASK})
            assert over.is_error and "limit per token" in text_of(over)
            # Token B cannot reach A's episode, even knowing its id.
            stolen = await b.call_tool("view_code", {"episode_id": mine[0]})
            assert stolen.is_error and "No episode" in text_of(stolen)
            for _ in range(2):
                await call_ok(b, "start_task", task_id=TASK)
            full = await b.call_tool("start_task", {"task_id": TASK})  # 5 running: the server's limit
            assert full.is_error and "its limit" in text_of(full)
            await call_ok(a, "submit", episode_id=mine[0])
            await call_ok(b, "start_task", task_id=TASK)  # the freed slot is usable again


async def test_sigterm_ends_running_episodes_and_removes_their_containers(catalog):
    """SIGTERM: /healthz turns 503 and no episode starts, a call in flight still gets its result
    (a grace of a few seconds), then every episode ends and every container goes."""
    from tests.conftest import require_docker

    require_docker()
    with http_server("--backend", "docker", "--pool-size", "1") as (process, url):
        async with Client(url) as client, Client(url) as other:
            episodes = [(await call_ok(client, "start_task", task_id=TASK))["episode_id"] for _ in range(2)]
            slow = "import time\ntime.sleep(3)\n"
            await call_ok(client, "replace_lines", episode_id=episodes[0], start_line=1, end_line=0, new_code=slow)
            instance = json.loads((await client.read_resource("debugbox://status")).contents[0].text)["sandbox"]["instance"]
            engine = docker.from_env()
            assert engine.api.containers(all=True, filters={"label": f"io.debugbox.instance={instance}"})
            in_flight: dict = {}

            async def run_tests() -> None:
                in_flight["result"] = await client.call_tool("run_tests", {"episode_id": episodes[0]})

            async with anyio.create_task_group() as tg:
                tg.start_soon(run_tests)
                await anyio.sleep(1.0)  # the slow import is running
                process.send_signal(signal.SIGTERM)
                await anyio.sleep(0.5)
                health = httpx.get(url.replace("/mcp", "/healthz"), timeout=5)
                assert health.status_code == 503 and health.json() == {"status": "stopping"}
                refused = await other.call_tool("start_task", {"task_id": TASK})
                assert refused.is_error and "shutting down" in text_of(refused), text_of(refused)
        result = in_flight["result"]
        assert not result.is_error and result.structured_content["total"] > 0, text_of(result)
        assert process.wait(timeout=60) == 0
        assert engine.api.containers(all=True, filters={"label": f"io.debugbox.instance={instance}"}) == []


def test_the_evaluator_reaches_a_token_protected_server_with_debugbox_auth_token(tmp_path):
    """Clients of a remote server (the evaluator, the OpenAI runner) send $DEBUGBOX_AUTH_TOKEN as a
    bearer token; without it the server turns them away and nothing is scored."""
    with http_server("--backend", "local", "--auth-token", TOKEN_A) as (_, url):
        command = [sys.executable, "-m", "cli", "eval", "--solver", "oracle", "--tasks", TASK, "--server-url", url, "--no-progress", "--retries", "0"]
        env = {k: v for k, v in os.environ.items() if k != "DEBUGBOX_AUTH_TOKEN"}
        refused = subprocess.run([*command, "--out", str(tmp_path / "refused")], env=env, capture_output=True, text=True, timeout=120)
        assert refused.returncode != 0, refused.stdout
        allowed = subprocess.run(
            [*command, "--out", str(tmp_path / "allowed")], env={**env, "DEBUGBOX_AUTH_TOKEN": TOKEN_A.partition("=")[2]}, capture_output=True, text=True, timeout=120
        )
        assert allowed.returncode == 0, allowed.stderr[-2000:]
        summary = json.loads((tmp_path / "allowed" / "summary.json").read_text())
    assert summary["overall"]["resolved_episodes"] == 1, summary
