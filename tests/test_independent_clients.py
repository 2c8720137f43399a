"""Clients that share no code with debugbox play it over stdio and Streamable HTTP: the MCP
Inspector CLI and a script on the official TypeScript SDK (both pinned in tests/js/package.json,
installed by `npm ci --prefix tests/js`).

Each Inspector CLI invocation is one process that makes one request. Over stdio it spawns its own
`debugbox serve` and closes it on exit, so an episode cannot outlive a call: over stdio we check
what fits in one call (tools/list, prompts/get, resources/read, a start_task whose sandbox must be
gone afterwards). The full episode runs over HTTP against one long-running server, passing the
episode_id from call to call, in both of the Inspector's protocol eras.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.helpers import http_server, serve_command

ROOT = Path(__file__).resolve().parent.parent
JS = ROOT / "tests" / "js"
INSPECTOR = JS / "node_modules" / ".bin" / "mcp-inspector"
TS_SDK = JS / "node_modules" / "@modelcontextprotocol" / "sdk"
TS_CLIENT = JS / "ts_sdk_client.mjs"
TASK = "binary_search_off_by_one"
TOOLS = {
    "list_tasks", "start_task", "open_project", "list_files", "search_code", "view_code", "replace_lines", "replace_text", "show_diff", "run_tests", "run_python", "undo", "reset_code", "submit",
    "debug_start", "debug_command", "debug_stop", "trace",
}  # fmt: skip
TIMEOUT_S = 180


@pytest.fixture(autouse=True)
def js_clients() -> None:
    missing = [str(p.relative_to(ROOT)) for p in (INSPECTOR, TS_SDK) if not p.exists()]
    if not shutil.which("node"):
        missing.append("node (Node.js 20+)")
    if not missing:
        return
    reason = f"missing {', '.join(missing)}: run `npm ci --prefix tests/js`"
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run the independent-client tests)")
    pytest.skip(reason)


def run(command: list[str], expect_rc: int = 0, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, cwd=ROOT, env=env)
    assert proc.returncode == expect_rc, (
        f"{' '.join(command)}\nexited {proc.returncode} (expected {expect_rc})\n"
        f"stdout: {proc.stdout[-2000:]}\nstderr: {proc.stderr[-3000:]}"
    )
    return proc


def over_stdio(backend: str, *serve_args: str) -> list[str]:
    # The Inspector gives a stdio server only a minimal environment (HOME, PATH, ...): pass on
    # DOCKER_HOST. The server command goes after `--` so its flags are not read as the Inspector's.
    env = ["-e", f"DOCKER_HOST={os.environ['DOCKER_HOST']}"] if os.environ.get("DOCKER_HOST") else []
    return ["--transport", "stdio", *env, "--", *serve_command("--backend", backend, *serve_args)]


def over_http(url: str, era: str) -> list[str]:
    return ["--transport", "http", "--protocol-era", era, "--", url]


def inspector(server: list[str], method: str, *options: str, expect_rc: int = 0) -> dict:
    """One Inspector CLI call; returns the JSON-RPC result it prints with --format json."""
    env = None
    if server[:2] == ["--transport", "http"]:
        # Over HTTP it creates $HOME/.mcp-inspector for OAuth state: keep that out of the real home.
        env = {**os.environ, "HOME": str(JS / "node_modules" / ".inspector-home")}
    proc = run([str(INSPECTOR), "--cli", "--method", method, "--format", "json", *options, *server], expect_rc, env)
    return json.loads(proc.stdout)["result"]


def inspector_tool(server: list[str], tool: str, expect_error: bool = False, **args) -> dict:
    # `--tool-arg k=v` JSON-parses v when it can (14 -> integer 14), else keeps the string.
    pairs = [arg for key, value in args.items() for arg in ("--tool-arg", f"{key}={value}")]
    result = inspector(server, "tools/call", "--tool-name", tool, *pairs, expect_rc=5 if expect_error else 0)
    assert bool(result.get("isError")) == expect_error, result
    return result


def text_of(result: dict) -> str:
    return "\n".join(block["text"] for block in result["content"] if block["type"] == "text")


def assert_no_containers(label: str) -> None:
    """The server that made them must have removed every container carrying this label."""
    import docker

    engine = docker.from_env()
    for _ in range(300):
        if not engine.api.containers(all=True, filters={"label": label}):
            return
        time.sleep(0.1)
    raise AssertionError(f"containers labelled {label} outlived their server")


# -- MCP Inspector CLI over stdio: one server per call ---------------------------------------


def test_inspector_stdio_lists_tools_prompt_and_resources():
    server = over_stdio("local")
    tools = inspector(server, "tools/list")["tools"]
    assert {t["name"] for t in tools} == TOOLS
    assert all(t.get("outputSchema") for t in tools), [t["name"] for t in tools if not t.get("outputSchema")]
    # --strict: the Inspector's tool-schema portability check exits 6 on any error-severity issue.
    inspector(server, "tools/list", "--strict")

    prompt = inspector(server, "prompts/get", "--prompt-name", "solve_task", "--prompt-args", f"task_id={TASK}")
    assert f"task_id={TASK!r}" in prompt["messages"][0]["content"]["text"]
    catalog = json.loads(inspector(server, "resources/read", "--uri", "tasks://catalog")["contents"][0]["text"])
    assert TASK in {t["task_id"] for t in catalog["tasks"]}
    page = inspector(server, "resources/read", "--uri", f"tasks://{TASK}")["contents"][0]["text"]
    assert page.startswith("# Binary search misses the last element")


def test_inspector_stdio_start_task_then_server_cleans_up(backend):
    # No warm pool: the episode's container is then created for it and labelled with its id.
    start = inspector_tool(over_stdio(backend, "--pool-size", "0"), "start_task", task_id=TASK, max_steps=7)
    data = start["structuredContent"]
    assert data["max_steps"] == 7 and data["steps_remaining"] == 7  # an integer argument arrived as one
    assert data["sandbox"]["backend"] == backend
    assert "14|    while lo < hi:" in text_of(start)
    if backend == "docker":
        # The Inspector closed the server when it exited; the episode's container went with it.
        assert_no_containers(f"io.debugbox.episode={data['episode_id']}")


# -- MCP Inspector CLI over Streamable HTTP: one episode across many calls ---------------------


@pytest.mark.parametrize("era", ["legacy", "modern"])
def test_inspector_http_plays_a_full_episode(backend, era):
    with http_server("--backend", backend) as (_, url):
        server = over_http(url, era)
        assert {t["name"] for t in inspector(server, "tools/list")["tools"]} == TOOLS

        episode = inspector_tool(server, "start_task", task_id=TASK)["structuredContent"]["episode_id"]
        view = inspector_tool(server, "view_code", episode_id=episode, start_line=13, end_line=15)
        assert (view["structuredContent"]["start_line"], view["structuredContent"]["end_line"]) == (13, 15)
        assert "14|    while lo < hi:" in text_of(view)

        before = inspector_tool(server, "run_tests", episode_id=episode)
        counts = before["structuredContent"]
        assert counts["passed"] < counts["total"]
        assert text_of(before).startswith(f"Tests Passed: {counts['passed']}/{counts['total']}")
        assert counts["failures"][0]["test"].endswith("test_finds_last_element")

        # A client's mistake is a tool error (the CLI exits 5) that costs no step.
        wrong = inspector_tool(server, "replace_lines", expect_error=True, episode_id=episode, start_line=99, end_line=99, new_code="x")
        assert "99" in text_of(wrong)

        edit = inspector_tool(server, "replace_lines", episode_id=episode, start_line=14, end_line=14, new_code="    while lo <= hi:")
        assert edit["structuredContent"]["syntax_ok"] and "+    while lo <= hi:" in text_of(edit)
        after = inspector_tool(server, "run_tests", episode_id=episode)["structuredContent"]
        assert after["passed"] == after["total"] == counts["total"]

        final = inspector_tool(server, "submit", episode_id=episode)["structuredContent"]
        assert final["score"] == 1 and final["resolved"] is True and final["done"] is True
        assert final["step"] == 5  # view, run, edit, run, submit: the rejected edit was free

        state = json.loads(inspector(server, "resources/read", "--uri", f"episodes://{episode}")["contents"][0]["text"])
        assert state["resolved"] is True and state["done"] is True


# -- The TypeScript SDK ------------------------------------------------------------------------


def ts_sdk_episode(*target: str) -> dict:
    proc = run(["node", str(TS_CLIENT), *target])
    final = json.loads(proc.stdout.strip().splitlines()[-1])
    assert final["score"] == 1 and final["resolved"] is True, final
    return final


def test_ts_sdk_client_over_stdio(backend):
    final = ts_sdk_episode("--", *serve_command("--backend", backend))
    assert final["backend"] == backend
    if backend == "docker":
        # The SDK closed stdin (then signals after 2 s): the server must not leave containers behind.
        assert_no_containers(f"io.debugbox.instance={final['instance']}")


def test_ts_sdk_client_over_http(backend):
    with http_server("--backend", backend) as (_, url):
        final = ts_sdk_episode("--url", url)
    assert final["backend"] == backend
