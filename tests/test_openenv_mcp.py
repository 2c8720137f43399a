"""OpenEnv's MCP JSON-RPC surface (/mcp, and "mcp" messages on /ws) on a real `debugbox serve-openenv`:
driven by the released client's production mode (openenv-core in its own virtualenv) and by raw
JSON-RPC for bad input, sessions and ownership."""

from __future__ import annotations

import json
import subprocess
import textwrap
import time

import pytest
from websockets.sync.client import connect

from tests.openenv_helpers import descendants, openenv_server, openenv_venv
from tests.test_openenv import TASK, http


@pytest.fixture(scope="module")
def server():
    with openenv_server("--backend", "local") as (process, base_url):
        yield process, base_url


@pytest.fixture
def url(server):
    return server[1]


def rpc(url: str, method: str, params: dict | None = None, rpc_id: int = 1) -> dict:
    status, body = http(f"{url}/mcp", "POST", {"jsonrpc": "2.0", "id": rpc_id, "method": method, "params": params or {}})
    assert status == 200 and body["jsonrpc"] == "2.0" and body["id"] == rpc_id
    return body


PRODUCTION_MODE = textwrap.dedent(
    """
    import asyncio, json, sys
    from openenv.core.mcp_client import MCPToolClient

    url, task, solution = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])

    async def main():
        out = {}
        env = MCPToolClient(base_url=url)
        env.use_production_mode = True
        try:
            tools = await env.list_tools()
            out["tools"] = sorted(t.name for t in tools)
            started = await env.call_tool("start_task", task_id=task)
            out["started"] = started["task_id"]
            view = await env.call_tool("view_code")
            out["view_step"] = view["step"]
            await env.call_tool("replace_lines", start_line=1, end_line=view["lines_total"], new_code=solution)
            tests = await env.call_tool("run_tests")
            out["passed"], out["total"] = tests["passed"], tests["total"]
            try:
                await env.call_tool("replace_text", path="x.py", old_text="a", new_text="b")
            except RuntimeError as exc:
                out["bad"] = str(exc)
            final = await env.call_tool("submit")
            out["score"], out["done"] = final["score"], final["done"]
            try:
                await env.call_tool("view_code")
            except RuntimeError as exc:
                out["after_done"] = str(exc)
            out["session"] = env._production_session_id
        finally:
            await env.close()
        print(json.dumps(out))

    asyncio.run(main())
    """
)


def test_the_released_clients_production_mode_plays_over_mcp(url, catalog, tmp_path):
    python = openenv_venv()
    script = tmp_path / "production.py"
    script.write_text(PRODUCTION_MODE)
    task = catalog.get(TASK)
    run = subprocess.run([python, script, url, TASK, json.dumps(task.solution_files[task.spec.main_file])], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert "start_task" in out["tools"] and "run_tests" in out["tools"] and out["started"] == TASK
    assert out["view_step"] == 1 and out["passed"] == out["total"] == 5
    assert "only these files can be edited" in out["bad"]
    assert out["score"] == 1.0 and out["done"] is True and "start_task" in out["after_done"]
    # close() closed the server's session too.
    assert rpc(url, "tools/call", {"name": "view_code", "session_id": out["session"]})["error"]["data"]["error_type"] == "invalid_session"


def test_bad_requests_are_clear_json_rpc_errors(server):
    process, url = server
    assert http(f"{url}/mcp", "POST", {})[1]["error"]["code"] == -32600
    status, body = http(f"{url}/mcp", "POST", {"jsonrpc": "2.0", "id": 3, "method": "resources/list"})
    assert body["error"]["code"] == -32601 and "tools/call" in body["error"]["message"]
    assert rpc(url, "tools/call", {"name": "view_code"})["error"]["message"].startswith("No MCP session")
    assert rpc(url, "tools/call", {"name": "list_tasks"})["result"]["data"]["tasks"]  # the catalog needs no session
    session = rpc(url, "openenv/session/create")["result"]["session_id"]
    before = descendants(process.pid)
    err = rpc(url, "tools/call", {"name": "view_code", "session_id": session})["error"]
    assert err["code"] == -32600 and "start_task" in err["message"]  # no episode yet
    err = rpc(url, "tools/call", {"name": "start_task", "arguments": {"task_id": "nope"}, "session_id": session})["error"]
    assert "No task 'nope'" in err["message"]
    started = rpc(url, "tools/call", {"name": "start_task", "arguments": {"task_id": TASK}, "session_id": session})["result"]
    episode = started["data"]["episode_id"]
    assert rpc(url, "tools/call", {"name": "dance", "session_id": session})["error"]["data"]["error_type"] == "tool_not_found"
    err = rpc(url, "tools/call", {"name": "view_code", "arguments": {"start_line": "x"}, "session_id": session})["error"]
    assert err["data"]["error_type"] == "invalid_args" and "start_line" in err["message"]
    assert rpc(url, "tools/call", {"name": "view_code", "session_id": session})["result"]["data"]["step"] == 1  # errors cost nothing
    assert descendants(process.pid) - before  # the episode's runner
    assert rpc(url, "openenv/session/close", {"session_id": session})["result"]["closed"] is True
    assert rpc(url, "tools/call", {"name": "view_code", "session_id": session})["error"]["data"]["error_type"] == "invalid_session"
    deadline = time.monotonic() + 5
    while descendants(process.pid) - before:  # its episode ended with it, and its runner is gone
        assert time.monotonic() < deadline, f"episode {episode} left processes behind"
        time.sleep(0.1)


def test_mcp_messages_on_the_websocket_use_the_connections_episode(url):
    with connect(url.replace("http://", "ws://") + "/ws") as ws:
        def send(kind: str, data: dict) -> dict:
            ws.send(json.dumps({"type": kind, "data": data}))
            return json.loads(ws.recv(timeout=120))

        reply = send("mcp", {"jsonrpc": "2.0", "id": 1, "method": "openenv/session/create"})
        assert reply["type"] == "mcp" and reply["data"]["result"]["session_id"].startswith("ses_")
        started = send("mcp", {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "start_task", "arguments": {"task_id": TASK}}})
        episode = started["data"]["result"]["data"]["episode_id"]
        step = send("step", {"type": "call_tool", "tool_name": "view_code", "arguments": {}})  # the same episode, over step
        assert step["data"]["observation"]["metadata"]["episode_id"] == episode
        close = send("mcp", {"jsonrpc": "2.0", "id": 3, "method": "openenv/session/close", "params": {"session_id": reply["data"]["result"]["session_id"]}})
        assert close["data"]["error"]["code"] == -32600


def test_a_session_belongs_to_its_token():
    alice, bob = "a" * 20, "b" * 20
    with openenv_server("--backend", "local", "--auth-token", f"alice={alice}", "--auth-token", f"bob={bob}") as (_, url):
        import urllib.request

        def call(token: str | None, body: dict) -> tuple[int, dict]:
            headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
            request = urllib.request.Request(f"{url}/mcp", data=json.dumps(body).encode(), method="POST", headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    return response.status, json.loads(response.read())
            except urllib.error.HTTPError as exc:
                return exc.code, {}

        assert call(None, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"})[0] == 401
        session = call(alice, {"jsonrpc": "2.0", "id": 1, "method": "openenv/session/create"})[1]["result"]["session_id"]
        start = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "start_task", "arguments": {"task_id": TASK}, "session_id": session}}
        assert call(bob, start)[1]["error"]["data"]["error_type"] == "invalid_session"
        assert call(bob, {"jsonrpc": "2.0", "id": 3, "method": "openenv/session/close", "params": {"session_id": session}})[1]["error"]
        assert call(alice, start)[1]["result"]["data"]["task_id"] == TASK

        # A token that opens sessions by the thousand and never closes them (a leaky client, or a
        # hostile tenant) crowds out no other token: past its share its own oldest idle sessions are
        # forgotten. Before, MAX_SESSIONS of alice's refused every session to bob for the idle timeout.
        import http.client

        from openenv_server.mcp_rpc import MAX_IDLE_SESSIONS_PER_OWNER, MAX_SESSIONS

        connection = http.client.HTTPConnection(url.removeprefix("http://"), timeout=60)
        created = []
        for i in range(MAX_SESSIONS + 5):
            connection.request("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "id": i, "method": "openenv/session/create"}),
                               {"Content-Type": "application/json", "Authorization": f"Bearer {alice}"})
            created.append(json.loads(connection.getresponse().read())["result"]["session_id"])
        connection.close()
        assert call(bob, {"jsonrpc": "2.0", "id": 4, "method": "openenv/session/create"})[1]["result"]["session_id"].startswith("ses_")
        view = {"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "list_files"}}
        assert call(alice, view | {"params": {"name": "list_files", "session_id": created[0]}})[1]["error"]["data"]["error_type"] == "invalid_session"
        newest = call(alice, view | {"params": {"name": "list_files", "session_id": created[-1]}})[1]["error"]
        assert newest["data"]["error_type"] == "SESSION_ERROR"  # known, with no episode yet
        assert call(alice, view | {"params": {"name": "list_files", "session_id": session}})[1]["result"]["data"]["total_files"] > 0  # its episode kept it
        assert len(created) - MAX_IDLE_SESSIONS_PER_OWNER > 0


def test_concurrent_start_tasks_on_one_session_leave_no_episode_behind(server):
    """Five start_task calls at once on one /mcp session: each started an episode and only the last
    was remembered, so closing the session left four running, unreachable, for the idle timeout."""
    import threading

    process, url = server
    before = descendants(process.pid)
    session = rpc(url, "openenv/session/create")["result"]["session_id"]
    start = {"name": "start_task", "arguments": {"task_id": TASK}, "session_id": session}
    replies: list[dict] = []
    threads = [threading.Thread(target=lambda: replies.append(rpc(url, "tools/call", start))) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(replies) == 5 and all("result" in r for r in replies)
    assert len(descendants(process.pid) - before) == 1  # one episode's runner: each start ended the one before
    assert rpc(url, "openenv/session/close", {"session_id": session})["result"]["closed"] is True
    deadline = time.monotonic() + 5
    while descendants(process.pid) - before:
        assert time.monotonic() < deadline, "episodes of a closed session are still running"
        time.sleep(0.1)
