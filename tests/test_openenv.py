"""The OpenEnv front end, served by a real `debugbox serve-openenv` (local backend) and driven over real
WebSocket and HTTP: by the project's gym-like client, by raw messages (bad input), and by the released
OpenEnv client (openenv-core, in its own virtualenv)."""

from __future__ import annotations

import json
import socket
import subprocess
import textwrap
import time
import urllib.error
import urllib.request

import pytest
from websockets.sync.client import connect

from harness.openenv_client import DebugboxEnv, EnvError
from tests.openenv_helpers import ROOT, descendants, openenv_server, openenv_venv

TASK = "binary_search_off_by_one"


@pytest.fixture(scope="module")
def server():
    with openenv_server("--backend", "local") as (process, url):
        yield process, url


@pytest.fixture
def url(server):
    return server[1]


def http(url: str, method: str = "GET", body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def solve(env: DebugboxEnv, catalog) -> list[float]:
    """View, run the tests, paste the reference solution, run them again, submit; the rewards."""
    task = catalog.get(TASK)
    obs = env.reset(task_id=TASK)
    assert obs.metadata["task_id"] == TASK and obs.metadata["steps_remaining"] == task.spec.max_steps
    assert "def " in obs.metadata["code"] and not obs.done
    rewards = []
    obs, reward, done = env.step(("view_code", {}))
    assert obs.text.startswith(task.spec.main_file) and obs.structured["lines_total"] > 0
    rewards.append(reward)
    obs, reward, done = env.step(("run_tests", {}))
    assert obs.structured["failed"] > 0 and obs.metadata["last_output"] == obs.text
    rewards.append(reward)
    lines = len(obs.metadata["code"].splitlines())
    new = task.solution_files[task.spec.main_file]
    obs, reward, done = env.step(("replace_lines", {"start_line": 1, "end_line": lines, "new_code": new}))
    assert obs.error is None and obs.metadata["code"].rstrip("\n") == new.rstrip("\n") and obs.metadata["syntax_error"] is None
    rewards.append(reward)
    obs, reward, done = env.step(("run_tests", {}))
    assert obs.structured["passed"] == obs.structured["total"] and reward > 0
    rewards.append(reward)
    obs, reward, done = env.step(("submit", {}))
    rewards.append(reward)
    assert done and obs.metadata["score"] == 1.0 and obs.metadata["resolved"] and obs.metadata["steps_remaining"] == task.spec.max_steps - 5
    return rewards


def test_health_schema_and_metadata(url):
    assert http(f"{url}/health") == (200, {"status": "healthy"})
    status, meta = http(f"{url}/metadata")
    assert status == 200 and meta["name"] == "debugbox" and set(meta) >= {"name", "description", "version"}
    status, schema = http(f"{url}/schema")
    assert status == 200 and set(schema) == {"action", "observation", "state"}
    kinds = {s["properties"]["type"]["default"] for s in schema["action"]["oneOf"]}
    assert kinds == {"call_tool", "list_tools"}
    # What OpenEnv's `openenv validate --url` reads besides: OpenAPI paths (simulation mode) and a JSON-RPC /mcp.
    status, openapi = http(f"{url}/openapi.json")
    assert status == 200 and isinstance(openapi["info"]["version"], str) and {"/reset", "/step", "/state"} <= set(openapi["paths"])
    status, rpc = http(f"{url}/mcp", "POST", {"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert status == 200 and rpc["jsonrpc"] == "2.0" and len(rpc["result"]["tools"]) > 10
    assert http(f"{url}/mcp", "POST", {})[1]["error"]["code"] == -32600  # what `openenv validate` posts: a JSON-RPC answer


def test_a_websocket_episode_solved_with_the_gym_client(url, catalog):
    with DebugboxEnv(url) as env:
        tools = {t["name"]: t for t in env.list_tools()}
        assert {"view_code", "replace_text", "run_tests", "submit", "debug_start", "trace", "list_files", "search_code"} <= set(tools)
        assert "start_task" not in tools and tools["replace_text"]["input_schema"]["required"] == ["path", "old_text", "new_text"]
        rewards = solve(env, catalog)
        assert sum(rewards) == pytest.approx(1.0)  # shaped rewards add up to the score
        state = env.state()
        assert state["done"] and state["score"] == 1.0 and state["step_count"] == 5
        # A second episode on the same connection.
        obs = env.reset(seed=1, difficulty="easy")
        assert obs.metadata["step"] == 0 and obs.metadata["episode_id"] != state["episode_id"]


def test_bad_input_is_a_clear_error_and_the_connection_survives(url):
    with DebugboxEnv(url) as env:
        with pytest.raises(EnvError, match="send reset") as err:
            env.step(("view_code", {}))
        assert err.value.code == "SESSION_ERROR"
        with pytest.raises(EnvError, match="No task 'no_such_task'.*list_tasks"):
            env.reset(task_id="no_such_task")
        with pytest.raises(EnvError, match="Bad reset parameters") as err:
            env.reset(task_id=TASK, colour="blue")
        assert err.value.code == "VALIDATION_ERROR"
        env.reset(task_id=TASK)
        with pytest.raises(EnvError, match="Malformed call_tool action.*tool_name"):
            env.step({"type": "call_tool", "arguments": {}})
        with pytest.raises(EnvError, match="Unknown action type"):
            env.step({"type": "dance"})
        obs, reward, done = env.step(("no_such_tool", {}))
        assert obs.error["error_type"] == "tool_not_found" and reward == 0 and not done
        obs, _, _ = env.step(("view_code", {"start_line": "three"}))
        assert obs.error["error_type"] == "invalid_args" and "start_line" in obs.error["message"]
        obs, _, _ = env.step(("replace_text", {"path": "nope.py", "old_text": "a", "new_text": "b"}))
        assert obs.error["error_type"] == "execution_error" and "only these files can be edited" in obs.error["message"]
        assert obs.metadata["step"] == 0  # errors cost no step
        obs, _, _ = env.step(("replace_lines", {"start_line": 1, "end_line": 1, "new_code": "def broken(:"}))
        assert obs.error is None and obs.metadata["syntax_error"].startswith("binary_search.py line 1")
        obs, _, _ = env.step(("undo", {}))
        assert obs.metadata["syntax_error"] is None and obs.metadata["step"] == 2
        env._ws.send("{not json")
        assert json.loads(env._ws.recv(timeout=10))["data"]["code"] == "INVALID_JSON"
        live = env.state()["episode_id"]
        with pytest.raises(EnvError, match="No task 'no_such_task'"):
            env.reset(task_id="no_such_task")
        assert env.state()["episode_id"] == live and not env.state()["done"]  # a bad reset leaves the episode alone
        env.step(("submit", {}))
        with pytest.raises(EnvError, match="is done.*send reset"):
            env.step(("view_code", {}))
        assert env.reset(task_id=TASK).metadata["step"] == 0  # still usable


HOSTILE_JSON = {
    "an integer past Python's digit limit": '{"type": "step", "data": ' + "1" * 5000 + "}",
    "nesting past the recursion limit": "[" * 100_000 + "]" * 100_000,
    "NaN": '{"type": "step", "data": {"tool_name": "run_python", "arguments": {"code": "1", "timeout_s": NaN}}}',
    # Parsed, it held the event loop (json.loads keeps the GIL) for ~0.35 s per 8 MB message.
    "millions of small values": '{"type": "step", "data": [' + "1," * 3_000_000 + "1]}",
}


def test_hostile_json_is_an_error_and_the_episode_lives(url):
    """json.loads raises more than JSONDecodeError (the digit limit, RecursionError, bad UTF-8) and
    takes NaN; each ended the connection, and its episode, without a word (HTTP: a bare 500)."""
    with DebugboxEnv(url) as env:
        episode = env.reset(task_id=TASK).metadata["episode_id"]
        for name, raw in HOSTILE_JSON.items():
            env._ws.send(raw)
            reply = json.loads(env._ws.recv(timeout=30))
            assert reply["data"]["code"] == "INVALID_JSON" and "Invalid JSON" in reply["data"]["message"], name
        env._ws.send(b'{"type": "state"}')  # a binary frame is read as JSON, not a reason to drop the connection
        assert json.loads(env._ws.recv(timeout=30))["data"]["episode_id"] == episode
        env._ws.send(b'{"type": "\xff"}')
        assert json.loads(env._ws.recv(timeout=30))["data"]["code"] == "INVALID_JSON"
        assert env.state()["episode_id"] == episode and env.step(("view_code", {}))[0].error is None
    for raw in [*HOSTILE_JSON.values(), b'{"a": "\xff\xfe"}']:
        body = raw.encode() if isinstance(raw, str) else raw
        for path in ("/reset", "/step"):
            request = urllib.request.Request(f"{url}{path}", data=body, method="POST", headers={"Content-Type": "application/json"})
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=30)
            assert refused.value.code == 422 and json.loads(refused.value.read())["code"] == "INVALID_JSON"
        request = urllib.request.Request(f"{url}/mcp", data=body, method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert json.loads(response.read())["error"]["code"] == -32700


def test_http_routes_play_an_episode(url):
    status, reset = http(f"{url}/reset", "POST", {"task_id": TASK})
    assert status == 200 and set(reset) == {"observation", "reward", "done"}
    episode = reset["observation"]["metadata"]["episode_id"]
    status, step = http(f"{url}/step", "POST", {"action": {"type": "call_tool", "tool_name": "run_tests", "arguments": {}}, "episode_id": episode})
    assert status == 200 and step["observation"]["tool_name"] == "run_tests" and step["done"] is False
    assert http(f"{url}/state?episode_id={episode}")[1]["step_count"] == 1
    status, tools = http(f"{url}/step", "POST", {"action": {"type": "list_tools"}})
    assert status == 200 and len(tools["observation"]["tools"]) > 10
    status, err = http(f"{url}/step", "POST", {"action": {"type": "call_tool", "tool_name": "view_code"}, "episode_id": "ep_nope"})
    assert status == 409 and "POST /reset" in err["detail"]
    status, err = http(f"{url}/step", "POST", {"episode_id": episode})
    assert status == 422
    status, done = http(f"{url}/step", "POST", {"action": {"type": "call_tool", "tool_name": "submit"}, "episode_id": episode})
    assert status == 200 and done["done"] is True
    status, err = http(f"{url}/step", "POST", {"action": {"type": "call_tool", "tool_name": "view_code"}, "episode_id": episode})
    assert status == 400 and "is done" in err["detail"]


def test_a_dropped_connection_ends_its_episode_and_its_processes(server):
    process, url = server
    before = descendants(process.pid)
    ws = connect(url.replace("http://", "ws://") + "/ws")
    ws.send(json.dumps({"type": "reset", "data": {"task_id": TASK}}))
    json.loads(ws.recv(timeout=60))
    code = "import subprocess, time; subprocess.Popen(['sleep', '300']); time.sleep(300)"
    ws.send(json.dumps({"type": "step", "data": {"type": "call_tool", "tool_name": "run_python", "arguments": {"code": code, "timeout_s": 60}}}))
    deadline = time.monotonic() + 20
    while not any(_cmdline(p).startswith("sleep") for p in descendants(process.pid)):
        assert time.monotonic() < deadline, "the snippet never started"
        time.sleep(0.1)
    ws.socket.shutdown(socket.SHUT_RDWR)  # dropped, no close message (as when the client dies)
    deadline = time.monotonic() + 5
    while descendants(process.pid) - before:
        assert time.monotonic() < deadline, f"left behind: {[_cmdline(p) for p in descendants(process.pid) - before]}"
        time.sleep(0.1)
    assert http(f"{url}/health")[0] == 200


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


RELEASED_CLIENT_SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys, urllib.request
    from openenv.core.mcp_client import MCPToolClient
    from openenv.core.generic_client import GenericEnvClient
    from openenv.core.env_server.mcp_types import CallToolAction, CallToolObservation, ListToolsAction
    from openenv.core.env_server.types import EnvironmentMetadata, HealthResponse, ResetResponse, SchemaResponse, StepResponse

    url, task, solution = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])

    def http(path, body=None):
        req = urllib.request.Request(url + path, data=json.dumps(body).encode() if body is not None else None,
                                     method="POST" if body is not None else "GET", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as r:
            return json.loads(r.read())

    async def main():
        out = {}
        async with MCPToolClient(base_url=url) as env:
            reset = await env.reset(task_id=task)
            out["reset_meta"] = reset.observation.metadata["task_id"]
            tools = await env.list_tools()
            out["tools"] = sorted(t.name for t in tools)
            result = await env.step(CallToolAction(tool_name="view_code", arguments={}))
            assert isinstance(result.observation, CallToolObservation)
            lines = result.observation.result["structured_content"]["lines_total"]
            await env.step(CallToolAction(tool_name="replace_lines", arguments={"start_line": 1, "end_line": lines, "new_code": solution}))
            tests = await env.step(CallToolAction(tool_name="run_tests", arguments={}))
            out["tests_reward"] = tests.reward
            out["call_tool"] = (await env.call_tool("show_diff"))["files_changed"]
            bad = await env.step(CallToolAction(tool_name="replace_text", arguments={"path": "x.py", "old_text": "a", "new_text": "b"}))
            out["bad_error"] = bad.observation.error.error_type.value
            final = await env.step(CallToolAction(tool_name="submit", arguments={}))
            out["done"], out["submit_reward"], out["score"] = final.done, final.reward, final.observation.metadata["score"]
            out["state"] = (await env.state()).step_count
            try:
                await env.step(CallToolAction(tool_name="view_code", arguments={}))
            except RuntimeError as exc:
                out["after_done"] = str(exc)
        async with GenericEnvClient(base_url=url) as env:
            result = await env.reset(seed=5)
            out["generic"] = sorted(result.observation)
        HealthResponse(**http("/health"))
        EnvironmentMetadata(**http("/metadata"))
        SchemaResponse(**http("/schema"))
        reset = ResetResponse(**http("/reset", {"task_id": task}))
        episode = reset.observation["metadata"]["episode_id"]
        step = StepResponse(**http("/step", {"action": CallToolAction(tool_name="run_tests").model_dump(), "episode_id": episode}))
        out["http_step"] = step.observation["tool_name"]
        print(json.dumps(out))

    asyncio.run(main())
    """
)


def test_the_released_openenv_client_plays_over_websocket_and_http(url, catalog, tmp_path):
    python = openenv_venv()
    script = tmp_path / "drive.py"
    script.write_text(RELEASED_CLIENT_SCRIPT)
    solution = catalog.get(TASK).solution_files[catalog.get(TASK).spec.main_file]
    run = subprocess.run([python, script, url, TASK, json.dumps(solution)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["reset_meta"] == TASK and "run_tests" in out["tools"] and out["tests_reward"] > 0
    assert out["call_tool"] and out["bad_error"] == "execution_error"
    assert out["done"] is True and out["score"] == 1.0 and out["state"] == 5
    assert out["tests_reward"] + out["submit_reward"] == pytest.approx(1.0)
    assert "is done" in out["after_done"] and out["http_step"] == "run_tests"
    assert "metadata" in out["generic"]


def test_bind_and_token_rules():
    with pytest.raises(RuntimeError, match="needs a bearer token"):
        with openenv_server("--backend", "local", "--host", "0.0.0.0", timeout_s=20):
            pass
    # The OpenEnv image's exception (its container is the boundary) is refused anywhere else; the
    # image itself serves with it in tests/test_openenv_docker.py.
    with pytest.raises(RuntimeError, match="only for the debugbox OpenEnv image"):
        with openenv_server("--backend", "local", "--host", "0.0.0.0", "--container-boundary", timeout_s=20):
            pass
    token = "t" * 20
    with openenv_server("--backend", "local", "--auth-token", f"alice={token}") as (_, url):
        assert http(f"{url}/health")[0] == 200  # health stays open: orchestrators and from_docker_image poll it
        assert http(f"{url}/reset", "POST", {"task_id": TASK})[0] == 401
        with pytest.raises(Exception):
            DebugboxEnv(url)
        with DebugboxEnv(url, token=token) as env:
            assert env.reset(task_id=TASK).metadata["task_id"] == TASK



def test_a_loopback_server_refuses_other_hosts_and_origins(url):
    """DNS rebinding: a page whose name now resolves to 127.0.0.1 sends its own name as Host (and,
    for POSTs and WebSockets, as Origin); the rules are environment/access.py's, as for HTTP MCP."""
    port = url.rsplit(":", 1)[1]
    for headers in ({"Host": f"evil.example:{port}"}, {"Origin": "http://evil.example"}):
        request = urllib.request.Request(f"{url}/reset", data=b"{}", method="POST", headers={"Content-Type": "application/json", **headers})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 403 and "not allowed" in json.loads(refused.value.read())["detail"]
        assert _ws_handshake_status(int(port), {"Host": f"127.0.0.1:{port}", **headers}) == 403
    assert _ws_handshake_status(int(port), {"Host": f"127.0.0.1:{port}"}) == 101  # the control
    assert http(f"{url.replace('127.0.0.1', 'localhost')}/reset", "POST", {"task_id": TASK})[0] == 200  # loopback names pass


def _ws_handshake_status(port: int, headers: dict[str, str]) -> int:
    """The status of a raw WebSocket upgrade with exactly these Host and Origin headers."""
    lines = ["GET /ws HTTP/1.1", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
             "Sec-WebSocket-Version: 13", *[f"{k}: {v}" for k, v in headers.items()]]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        raw.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return int(raw.recv(4096).split(b" ", 2)[1])


@pytest.mark.anyio
async def test_the_openenv_tools_are_the_mcp_tools_but_start_task(catalog):
    """One tool set: a tool added to MCP and forgotten here would be missing for every OpenEnv client.
    The two that start an episode are not OpenEnv tools: reset starts one (a task; a project episode,
    the user's own code over a desktop client, has no place in a training loop)."""
    from mcp import Client

    from environment.service import DebugService
    from mcp_server.server import build_server
    from openenv_server.tools import TOOLS
    from sandbox.local import LocalProvider

    async with Client(build_server(DebugService(catalog, LocalProvider()))) as client:
        mcp_tools = {t.name for t in (await client.list_tools()).tools}
    assert set(TOOLS) == mcp_tools - {"start_task", "open_project"}
