"""Bad input, under property-based attack: every tool's arguments, and malformed task packs.

Invariants proven (quoted from DESIGN.md and README.md):
- MCP contract: "A bad call (unknown episode, range out of bounds, path not editable, episode
  finished, budget spent) is a tool error whose message says what is wrong and what to call
  instead; state is unchanged." Every property here sends only bad calls and checks all of it:
  `is_error`, a short message naming the argument at fault (never a pydantic dump), the episode's
  `episodes://` state identical before and after, and no episode started by a refused start_task.
- Tasks (README, Task format in DESIGN.md): "A malformed task is rejected at load time with its
  file and field named; the other tasks are still served."

The in-process properties go through a real mcp.Client in legacy mode (plain JSON-RPC) against
the server on the local backend: argument handling happens before any sandbox is involved, so
the backend does not matter. Wrong JSON types are also POSTed raw to a `debugbox serve
--transport http` process, which must stay alive.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx
import pytest
from anyio.from_thread import start_blocking_portal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client

from environment.runtime import running
from environment.service import DebugService
from environment.settings import ServiceSettings
from mcp_server.server import build_server
from sandbox.local import LocalProvider
from tasks.loader import load_catalog, load_pack
from tests.helpers import free_port, serve_command, text_of
from tests.test_tasks_loader import toml_for, write_task

TASK = "binary_search_off_by_one"
MAIN = "binary_search.py"
EPISODE_TOOLS = [
    "list_files", "search_code", "view_code", "replace_lines", "replace_text", "show_diff", "run_tests", "run_python", "undo", "reset_code", "submit",
    "debug_start", "debug_command", "debug_stop", "trace",
]  # fmt: skip
MAX_MESSAGE_CHARS = 1500  # a useful message is short, whatever the size of the bad argument
HUGE = "#" * 10_000_000  # 10 MB
PROPERTY = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)


# -- a live server driven from synchronous hypothesis tests ---------------------------------------


class Live:
    """One server (local backend) and one legacy-mode client, reached through a blocking portal."""

    def __init__(self, portal, client: Client):
        self.portal = portal
        self.client = client
        self.episodes: dict[str, str] = {}

    def call(self, tool: str, args: dict) -> tuple[bool, str]:
        result = self.portal.call(self.client.call_tool, tool, args)
        return bool(result.is_error), text_of(result)

    def read(self, uri: str) -> dict:
        return json.loads(self.portal.call(self.client.read_resource, uri).contents[0].text)

    def episode(self, key: str) -> str:
        """One episode per property, started on first use."""
        if key not in self.episodes:
            result = self.portal.call(self.client.call_tool, "start_task", {"task_id": TASK, "max_steps": 1000})
            assert not result.is_error, text_of(result)
            self.episodes[key] = result.structured_content["episode_id"]
        return self.episodes[key]

    def refused(self, tool: str, args: dict, episode: str | None, *needles: str) -> str:
        """The call is a tool error whose message holds every needle; nothing changed."""
        before = self.read(f"episodes://{episode}") if episode else None
        live_before = self.read("debugbox://status")["episodes_live"]
        is_error, message = self.call(tool, args)
        assert is_error, f"{tool} accepted a bad call: {message[:300]}"
        assert_useful(message, *needles)
        if episode:
            assert self.read(f"episodes://{episode}") == before, f"{tool} changed the episode"
        assert self.read("debugbox://status")["episodes_live"] == live_before, f"{tool} started an episode"
        return message


def assert_useful(message: str, *needles: str) -> None:
    assert len(message) <= MAX_MESSAGE_CHARS, f"a {len(message)}-character message: {message[:200]}..."
    for needle in needles:
        assert needle.lower() in message.lower(), f"{needle!r} not in {message!r}"
    for noise in ("pydantic", "validation error for", "Traceback", "input_value="):
        assert noise not in message, f"{noise!r} leaked into {message!r}"


@asynccontextmanager
async def _session(catalog):
    # Long-lived episodes (max_steps 1000, one per property) need the operator to allow that many steps.
    service = DebugService(catalog, LocalProvider(), ServiceSettings(max_steps_limit=1000))
    async with running(service):
        async with Client(build_server(service), mode="legacy") as client:
            yield client


@pytest.fixture(scope="module")
def live(catalog):
    with start_blocking_portal(backend="asyncio") as portal:
        with portal.wrap_async_context_manager(_session(catalog)) as client:
            yield Live(portal, client)


@pytest.fixture(scope="module")
def schemas(live) -> dict[str, dict]:
    return {t.name: t.input_schema for t in live.portal.call(live.client.list_tools).tools}


def main_lines(live: Live, episode: str) -> int:
    # The episode resource shows no code while the episode runs; view_code says the length (a step).
    result = live.portal.call(live.client.call_tool, "view_code", {"episode_id": episode, "path": MAIN, "start_line": 1, "end_line": 1})
    return result.structured_content["lines_total"]


# -- strategies -----------------------------------------------------------------------------------

HUGE_INTEGERS = st.sampled_from([2**63, -(2**63), 10**30, -(10**30), 2**2000, 2**63 - 1, -(2**63) + 1])


def integers(**bounds):
    """Integers in bounds, now and then enormous ones in bounds too (past 64 bits)."""
    lo, hi = bounds.get("min_value"), bounds.get("max_value")
    return st.one_of(st.integers(**bounds), HUGE_INTEGERS.filter(lambda n: (lo is None or n >= lo) and (hi is None or n <= hi)))


def poisoned_text():
    """Text no source file may hold: a NUL byte, a lone surrogate, or 10 MB."""
    small = st.text(max_size=40)
    return st.one_of(
        st.tuples(small, small).map(lambda ab: ab[0] + "\x00" + ab[1]),
        st.tuples(small, st.integers(0xD800, 0xDFFF), small).map(lambda t: t[0] + chr(t[1]) + t[2]),
        st.tuples(st.integers(0, len(HUGE)), st.text(max_size=10)).map(lambda t: HUGE[: t[0]] + t[1] + HUGE[t[0] :]),
    )


# -- property: ranges -----------------------------------------------------------------------------


@st.composite
def bad_ranges(draw, total: int):
    """(tool, start_line, end_line, argument to blame) for a file of `total` lines."""
    tool = draw(st.sampled_from(["view_code", "replace_lines"]))
    last_start = total if tool == "view_code" else total + 1  # replace_lines may append after the end
    case = draw(st.sampled_from(["start out of range", "reversed", "end past the end"] if tool == "replace_lines" else ["start out of range", "reversed"]))
    if case == "start out of range":
        start = draw(st.one_of(integers(max_value=0), integers(min_value=last_start + 1)))
        end = draw(st.one_of(st.none(), st.integers(-5, total + 5))) if tool == "view_code" else draw(st.integers(-5, total + 5))
        return tool, start, end, "start_line"
    start = draw(st.integers(1, last_start))
    if case == "reversed":
        lowest = start - 1 if tool == "view_code" else start - 2  # replace_lines: end = start - 1 inserts
        return tool, start, draw(integers(max_value=lowest)), "end_line"
    return tool, start, draw(integers(min_value=total + 1)), "end_line"


@PROPERTY
@given(data=st.data())
def test_negative_zero_huge_and_reversed_ranges_are_refused(live, data):
    """Invariant: a range out of bounds is a tool error naming start_line or end_line; state unchanged."""
    episode = live.episode("ranges")
    tool, start, end, blamed = data.draw(bad_ranges(main_lines(live, episode)))
    args = {"episode_id": episode, "start_line": start, "end_line": end}
    if tool == "replace_lines":
        args["new_code"] = "# harmless"
    elif end is None:
        del args["end_line"]
    if abs(start) > 2**63 - 1:
        blamed = "start_line"
    live.refused(tool, args, episode, blamed)


# -- property: NUL bytes, lone surrogates, 10 MB strings --------------------------------------------


@PROPERTY
@given(text=poisoned_text(), target=st.sampled_from(["new_code", "code", "view path", "edit path", "episode_id", "task_id", "difficulty"]))
def test_nul_bytes_lone_surrogates_and_10_mb_strings_are_refused(live, text, target):
    """Invariant: text that cannot become a source file, or names nothing, is a tool error naming the
    argument (and never echoed whole); state unchanged."""
    episode = live.episode("texts")
    if target == "new_code":
        live.refused("replace_lines", {"episode_id": episode, "start_line": 1, "end_line": 0, "new_code": text}, episode, "new_code")
    elif target == "code":
        live.refused("run_python", {"episode_id": episode, "code": text}, episode, "code")
    elif target == "view path":
        live.refused("view_code", {"episode_id": episode, "path": text}, episode, "no file", "path", MAIN)
    elif target == "edit path":
        live.refused("replace_lines", {"episode_id": episode, "path": text, "start_line": 1, "end_line": 0, "new_code": "# c"}, episode, "path", MAIN)
    elif target == "episode_id":
        live.refused("run_tests", {"episode_id": text}, episode, "no episode", "start_task")
    elif target == "task_id":
        live.refused("start_task", {"task_id": text}, None, "no task", "task_id", "list_tasks")
    else:
        live.refused("list_tasks", {"difficulty": text}, None, "difficulty", "easy, medium or hard")


# -- property: unknown ids ---------------------------------------------------------------------------

LOOKALIKE_EPISODE_IDS = st.from_regex(r"\Aep_[A-Za-z0-9_-]{22}\Z")


def _valid_args(tool: str, episode: str) -> dict:
    extra = {
        "replace_lines": {"start_line": 1, "end_line": 0, "new_code": "# c"},
        "replace_text": {"path": MAIN, "old_text": "def ", "new_text": "def  "},
        "run_python": {"code": "print(1)"},
        "search_code": {"pattern": "def "},
        "debug_start": {"target": "tests/test_binary_search.py::test_empty_list"},
        "debug_command": {"command": "n"},
        "trace": {"target": "tests/test_binary_search.py::test_empty_list", "function": "binary_search"},
    }
    return {"episode_id": episode, **extra.get(tool, {})}


@PROPERTY
@given(tool=st.sampled_from(EPISODE_TOOLS), unknown=st.one_of(st.text(max_size=60), LOOKALIKE_EPISODE_IDS))
def test_unknown_episode_ids_are_refused_by_every_episode_tool(live, tool, unknown):
    """Invariant: an unknown episode is a tool error that says to call start_task; no episode changes."""
    episode = live.episode("unknown ids")
    if unknown == episode:
        return
    live.refused(tool, _valid_args(tool, unknown), episode, "no episode", "start_task")


@PROPERTY
@given(task_id=st.text(max_size=80), max_steps=st.one_of(st.none(), integers(max_value=0), integers(min_value=1001)))
def test_unknown_tasks_and_bad_budgets_start_nothing(live, catalog, task_id, max_steps):
    """Invariant: an unknown task or an impossible step budget is a tool error naming it; no episode
    (and no sandbox) is started."""
    args = {"task_id": task_id} if max_steps is None else {"task_id": task_id, "max_steps": max_steps}
    if max_steps is not None and abs(max_steps) > 2**63 - 1:
        live.refused("start_task", args, None, "max_steps must be an integer")  # a type error comes first
    elif catalog.get(task_id) is None:
        live.refused("start_task", args, None, "no task", "list_tasks")
    elif max_steps is not None:
        live.refused("start_task", args, None, "max_steps")
    if max_steps is not None:
        live.refused("start_task", {"task_id": TASK, "max_steps": max_steps}, None, "max_steps")


# -- property: wrong JSON types ----------------------------------------------------------------------


def _kinds(prop: dict) -> set[str]:
    return {o["type"] for o in (prop.get("anyOf") or [prop]) if "type" in o}


def _not_a_number(text: str) -> bool:
    # Numeric strings ("5") are accepted for numbers (lax, for models that quote them), and the SDK
    # parses JSON inside strings ("null" means omitted, "Infinity" is a number): not wrong types.
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        value = text
    return value is not None and not isinstance(value, (int, float)) and not any(c.isdigit() for c in text)


def wrong_value(kinds: set[str], required: bool):
    # A list argument (run_tests' tests) takes an empty list, and a boolean one (verbose) a boolean.
    options = [st.lists(st.integers(), min_size=1 if "array" in kinds else 0, max_size=3), st.dictionaries(st.text(max_size=4), st.integers(), max_size=2)]
    if "boolean" not in kinds:
        options += [st.booleans()]
    if "string" in kinds:
        options += [st.integers(), st.floats(allow_nan=False, allow_infinity=False)]
    if "integer" in kinds:
        options += [st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer())]
    if kinds & {"integer", "number"}:
        options += [st.text(max_size=20).filter(_not_a_number)]
    if required:
        options += [st.none()]
    return st.one_of(options)


@st.composite
def wrong_call(draw, schemas: dict[str, dict], episode: str):
    """(tool, arguments, argument to blame, needle): exactly one argument wrong, or missing, or unknown."""
    tool = draw(st.sampled_from(sorted(schemas)))
    schema = schemas[tool]
    args = _valid_args(tool, episode) if "episode_id" in schema["properties"] else {"task_id": TASK} if tool == "start_task" else {"path": "project"} if tool == "open_project" else {}
    how = draw(st.sampled_from(["wrong type", "missing", "unknown"] if schema.get("required") else ["wrong type", "unknown"]))
    if how == "missing":
        name = draw(st.sampled_from(schema["required"]))
        del args[name]
        return tool, args, name, f"{name} is required"
    if how == "unknown":
        name = draw(st.text(min_size=1, max_size=20).filter(lambda n: n not in schema["properties"]))
        return tool, {**args, name: draw(st.integers())}, "is not an argument", f"{tool}("
    name = draw(st.sampled_from(sorted(schema["properties"])))
    prop = schema["properties"][name]
    args[name] = draw(wrong_value(_kinds(prop), name in schema.get("required", [])))
    return tool, args, name, f"{name} must be"


@PROPERTY
@given(data=st.data())
def test_wrong_types_missing_and_unknown_arguments_are_refused(live, schemas, data):
    """Invariant: arguments that do not fit a tool's schema are a tool error naming each argument,
    what it must be and how to call the tool; state unchanged."""
    episode = live.episode("types")
    tool, args, blamed, needle = data.draw(wrong_call(schemas, episode))
    message = live.refused(tool, args, episode, blamed, needle, "invalid arguments for " + tool)
    assert "https://errors.pydantic.dev" not in message


def test_argument_errors_read_well(live):
    """The exact wording for the examples of the issue: argument, expectation, the value sent, the call."""
    episode = live.episode("wording")
    message = live.refused("replace_lines", {"episode_id": episode, "start_line": "abc", "end_line": 1, "new_code": "x"}, episode)
    assert message == (
        'Invalid arguments for replace_lines: start_line must be an integer (got "abc"). '
        "Call it as replace_lines(episode_id, start_line, end_line, new_code, path?); nothing was changed."
    )
    message = live.refused("run_python", {"episode_id": episode, "code": 3, "timeout_s": True}, episode)
    assert "timeout_s must be a number (or omitted) (got true)" in message
    message = live.refused("view_code", {"episode_id": episode, "file": MAIN}, episode)
    assert "'file' is not an argument of this tool" in message and "view_code(episode_id, path?, start_line?, end_line?)" in message
    message = live.refused("run_tests", {}, episode)
    assert "episode_id is required (a string: the episode_id that start_task or open_project returned)" in message
    assert "Unknown tool" in live.refused("run_test", {"episode_id": episode}, episode, "run_tests")
    # Past 4300 digits Python cannot even format the number: the message must not try.
    message = live.refused("view_code", {"episode_id": episode, "start_line": 10**5000}, episode)
    assert "start_line must be an integer between" in message and "(got an integer of 16610 bits)" in message


# -- raw JSON-RPC over Streamable HTTP -----------------------------------------------------------------

MCP_HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


@contextmanager
def serve_http(log: Path, *args: str):
    """`debugbox serve --transport http` with its log in a file (a pipe nobody reads can fill up)."""
    port = free_port()
    with open(log, "wb") as err:
        process = subprocess.Popen(serve_command("--transport", "http", "--port", str(port), *args), stdout=subprocess.DEVNULL, stderr=err)
    try:
        url = f"http://127.0.0.1:{port}/mcp"
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"server exited early: {log.read_text()[-2000:]}"
            try:
                if httpx.get(url.replace("/mcp", "/healthz"), timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not listen in time"
            time.sleep(0.1)
        yield process, url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class RawSession:
    """JSON-RPC over Streamable HTTP by hand: initialize, then any body, well-formed or not."""

    def __init__(self, url: str):
        self.url = url
        self.http = httpx.Client(timeout=60)
        self.ids = iter(range(1, 10**9))
        init = {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}
        response = self.http.post(url, json={"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": init}, headers=MCP_HEADERS)
        assert response.status_code == 200, response.text
        self.headers = {**MCP_HEADERS, "mcp-session-id": response.headers["mcp-session-id"], "mcp-protocol-version": "2025-06-18"}
        self.post(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))

    def post(self, body: str | bytes) -> httpx.Response:
        return self.http.post(self.url, content=body, headers=self.headers)

    def rpc(self, method: str, params) -> dict:
        """The JSON-RPC answer to one request (result or error)."""
        response = self.post(json.dumps({"jsonrpc": "2.0", "id": next(self.ids), "method": method, "params": params}))
        return self.answer(response)

    @staticmethod
    def answer(response: httpx.Response) -> dict:
        assert response.status_code < 500, (response.status_code, response.text[:500])
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            messages = [json.loads(line[5:]) for line in response.text.splitlines() if line.startswith("data:")]
            answers = [m for m in messages if "result" in m or "error" in m]
            assert len(answers) == 1, response.text[:500]
            return answers[0]
        return response.json()

    def tool(self, name: str, arguments) -> tuple[bool, str]:
        answer = self.rpc("tools/call", {"name": name, "arguments": arguments})
        assert "result" in answer, f"a protocol error, not a tool error: {answer}"
        return bool(answer["result"].get("isError")), "\n".join(c.get("text", "") for c in answer["result"]["content"])

    def state(self, episode: str) -> dict:
        return json.loads(self.rpc("resources/read", {"uri": f"episodes://{episode}"})["result"]["contents"][0]["text"])


@pytest.fixture(scope="module")
def raw_server(tmp_path_factory):
    with serve_http(tmp_path_factory.mktemp("raw") / "server.log", "--backend", "local", "--max-steps-limit", "1000") as (process, url):
        session = RawSession(url)
        is_error, text = session.tool("start_task", {"task_id": TASK, "max_steps": 1000})
        assert not is_error, text
        episode = text.split()[1]
        schemas = {t["name"]: t["inputSchema"] for t in session.rpc("tools/list", {})["result"]["tools"]}
        yield process, session, episode, schemas


@PROPERTY
@given(data=st.data())
def test_raw_json_rpc_wrong_types_are_tool_errors_and_the_server_lives(raw_server, data):
    """Invariant: over the wire too, a bad call is a tool error (not a protocol error, not a crash)
    naming the argument; the episode is unchanged and the server process keeps serving."""
    process, session, episode, schemas = raw_server
    tool, args, blamed, needle = data.draw(wrong_call(schemas, episode))
    before = session.state(episode)
    is_error, message = session.tool(tool, args)
    assert is_error, f"{tool}({args}) was accepted: {message[:300]}"
    assert_useful(message, blamed, needle)
    assert session.state(episode) == before
    assert process.poll() is None


def test_malformed_json_rpc_is_answered_and_changes_nothing(raw_server):
    """Invariant (state unchanged, server alive): requests that are not even well-formed calls get a
    JSON-RPC error or a 4xx with a reason; the episode is unchanged and the next call works."""
    process, session, episode, _ = raw_server
    before = session.state(episode)
    call = '{"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": %s}'
    protocol_errors = {
        "arguments not an object": call % '{"name": "run_tests", "arguments": "abc"}',
        "arguments a list": call % '{"name": "run_tests", "arguments": [1, 2]}',
        "name not a string": call % '{"name": 5, "arguments": {}}',
        "params not an object": call % '"x"',
        "lone surrogate escape": call % '{"name": "view_code", "arguments": {"episode_id": "\\ud800"}}',
        "not JSON": "this is not json",
        "truncated JSON": call[:30],
        "a 10 MB body": call % json.dumps({"name": "replace_lines", "arguments": {"episode_id": episode, "start_line": 1, "end_line": 0, "new_code": HUGE}}),
    }
    for what, body in protocol_errors.items():
        response = session.post(body.encode("utf-8", "surrogatepass"))
        assert response.status_code < 500, (what, response.status_code)
        if response.status_code == 200:
            answer = session.answer(response)
            assert "error" in answer and answer["error"]["message"], (what, answer)
        assert process.poll() is None, what
    tool_errors = {
        "unknown tool": ("no_such_tool", {}, "unknown tool"),
        "null arguments": ("run_tests", None, "episode_id is required"),
        "NUL in an id": ("run_tests", {"episode_id": episode + "\x00"}, "no episode"),
        "NaN timeout": ("run_python", {"episode_id": episode, "code": "print(1)", "timeout_s": float("nan")}, "timeout_s"),
        "infinite line": ("view_code", {"episode_id": episode, "start_line": float("inf")}, "start_line must be an integer"),
        "a 700-bit line number": ("view_code", {"episode_id": episode, "start_line": 2**700}, "start_line"),
    }
    for what, (tool, args, needle) in tool_errors.items():
        is_error, message = session.tool(tool, args)
        assert is_error, (what, message)
        assert_useful(message, needle)
    assert session.state(episode) == before
    is_error, message = session.tool("view_code", {"episode_id": episode, "start_line": 1, "end_line": 2})
    assert not is_error and "1|" in message, message
    assert process.poll() is None


# -- malformed task packs --------------------------------------------------------------------------


def _bad_pack(root: Path) -> tuple[Path, Path, dict[str, tuple[str, str | None]]]:
    """Two packs: good tasks beside malformed ones. Returns the packs and, per rejected task, the
    file and field its rejection must name."""
    first, second = root / "first", root / "second"
    for pack in (first, second):
        pack.mkdir()
    write_task(first, "good_alpha")
    write_task(second, "good_beta", difficulty="hard")
    expected: dict[str, tuple[str, str | None]] = {}

    (write_task(first, "missing_description") / "description.md").unlink()
    expected["missing_description"] = ("missing_description/description.md", None)
    bad = write_task(first, "missing_tests")
    for f in (bad / "tests").iterdir():
        f.unlink()
    expected["missing_tests"] = ("missing_tests/tests", None)
    (write_task(first, "missing_toml") / "task.toml").unlink()
    expected["missing_toml"] = ("missing_toml/task.toml", None)
    (write_task(first, "bad_toml") / "task.toml").write_text('id = "bad_toml"\ntitle = "unterminated\n')
    expected["bad_toml"] = ("bad_toml/task.toml", None)
    write_task(first, "unknown_difficulty", difficulty="legendary")
    expected["unknown_difficulty"] = ("unknown_difficulty/task.toml", "difficulty")
    (write_task(first, "toml_is_a_directory") / "task.toml").unlink()
    (first / "toml_is_a_directory" / "task.toml").mkdir()
    expected["toml_is_a_directory"] = ("toml_is_a_directory/task.toml", None)
    # Duplicates: of a task in an earlier pack, and of a bundled task; the first one loaded wins.
    write_task(second, "good_alpha", title="Second good_alpha")
    expected["good_alpha"] = ("second/good_alpha/task.toml", "id")
    write_task(second, TASK)
    expected[TASK] = (f"second/{TASK}/task.toml", "id")
    return first, second, expected


def test_malformed_tasks_are_rejected_at_load_naming_file_and_field(tmp_path):
    """Invariant: each malformed task is rejected naming its file (and field); the rest load."""
    first, second, expected = _bad_pack(tmp_path)
    catalog = load_catalog([str(first), str(second)], environ={})
    assert {"good_alpha", "good_beta", TASK} <= set(catalog.tasks)
    assert catalog.tasks["good_alpha"].spec.title == "Task good_alpha"  # the first one loaded
    assert Path(catalog.tasks[TASK].origin).parent.name == "bundled"
    for name, (file, field) in expected.items():
        errors = [str(e) for e in catalog.errors if file in str(e.path)]
        assert errors, f"{name}: no error names {file}: {[str(e) for e in catalog.errors]}"
        if field is not None:
            assert any(f"field '{field}'" in e for e in errors), (name, errors)
        assert name == TASK or name == "good_alpha" or name not in catalog.tasks


@pytest.mark.anyio
async def test_malformed_tasks_are_logged_and_the_others_still_served(tmp_path, catalog):
    """Invariant: the server names each rejected task's file and field in its log and serves the
    others: listed, startable, playable; a rejected id is an unknown task."""
    first, second, expected = _bad_pack(tmp_path)
    log = tmp_path / "server.log"
    with serve_http(log, "--backend", "local", "--tasks", str(first), "--tasks", str(second)) as (process, url):
        async with Client(url, mode="legacy") as client:
            listed = {t["task_id"] for t in (await client.call_tool("list_tasks", {})).structured_content["tasks"]}
            assert {"good_alpha", "good_beta", TASK} <= listed and not set(expected) - {"good_alpha", TASK} & listed
            hard = (await client.call_tool("list_tasks", {"difficulty": "hard"})).structured_content["tasks"]
            assert "good_beta" in {t["task_id"] for t in hard}
            for good in ("good_alpha", "good_beta"):
                start = await client.call_tool("start_task", {"task_id": good})
                assert not start.is_error, text_of(start)
                run = await client.call_tool("run_tests", {"episode_id": start.structured_content["episode_id"]})
                assert run.structured_content["total"] == 1 and run.structured_content["passed"] == 0
            for rejected in ("missing_description", "bad_toml", "unknown_difficulty", "missing_toml"):
                refused = await client.call_tool("start_task", {"task_id": rejected})
                assert refused.is_error and "No task" in text_of(refused)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    rejections = [line for line in log.read_text().splitlines() if "task rejected" in line]
    for name, (file, field) in expected.items():
        lines = [line for line in rejections if file in line]
        assert lines, f"the log does not name {file}: {rejections}"
        if field is not None:
            assert any(f"field '{field}'" in line for line in lines), (name, lines)


SPEC_KEYS = ["id", "title", "difficulty", "tags", "kind", "main_file", "editable", "max_steps", "test_timeout_s", "run_timeout_s"]
TOML_SCALARS = st.one_of(
    st.text(max_size=30),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False),
    st.booleans(),
    st.sampled_from(["easy", "medium", "hard", "bugfix", "implement", "calc.py", "helpers.py", "../calc.py", "/etc/passwd", ""]),
)
TOML_VALUES = st.one_of(TOML_SCALARS, st.lists(TOML_SCALARS, max_size=3), st.dictionaries(st.text(min_size=1, max_size=5), TOML_SCALARS, max_size=2))


def _toml_value(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)  # ints and floats (inf included) are written alike in TOML


@PROPERTY
@given(
    key=st.sampled_from([*SPEC_KEYS, "colour"]),
    change=st.one_of(st.none(), TOML_VALUES),
    garbage=st.one_of(st.none(), st.binary(max_size=200)),
)
def test_any_task_toml_loads_or_is_rejected_naming_file_and_field(tmp_path_factory, key, change, garbage):
    """Invariant: whatever task.toml holds, loading never crashes, good neighbours still load, and a
    rejected task's errors name a file of that task and the key that was changed."""
    pack = tmp_path_factory.mktemp("pack")
    write_task(pack, "aa_good")
    bad = write_task(pack, "mutated")
    write_task(pack, "zz_good")
    values = tomllib.loads(toml_for("mutated"))
    if garbage is not None:
        (bad / "task.toml").write_bytes(garbage)
    else:
        if change is None:
            values.pop(key, None)
        else:
            values[key] = change
        (bad / "task.toml").write_text("".join(f"{k} = {_toml_value(v)}\n" for k, v in values.items()))

    tasks, errors = load_pack(pack)

    loaded = {t.id for t in tasks}
    assert {"aa_good", "zz_good"} <= loaded
    if "mutated" in loaded:
        assert errors == []
        return
    assert errors, "the task was neither loaded nor rejected"
    assert all(str(bad) in str(e.path) for e in errors), [str(e) for e in errors]
    text = "\n".join(str(e) for e in errors)
    if garbage is None and "not valid TOML" not in text:
        assert key in text, f"{key} not named in: {text}"
