"""The MCP contract through a real mcp.Client, in modern (auto) and legacy JSON-RPC modes,
on both backends."""

from __future__ import annotations

import json

import pytest
from mcp import Client

pytestmark = pytest.mark.anyio

TOOLS = {
    "list_tasks", "start_task", "open_project", "list_files", "search_code", "view_code", "replace_lines", "replace_text", "show_diff", "run_tests", "run_python", "undo", "reset_code", "submit",
    "debug_start", "debug_command", "debug_stop", "trace",
}  # fmt: skip
READ_ONLY = {"list_tasks", "list_files", "search_code", "view_code", "show_diff", "run_tests", "run_python", "debug_start", "debug_command", "debug_stop", "trace"}
DESTRUCTIVE = {"replace_lines", "replace_text", "undo", "reset_code", "submit"}
STATUS_FIELDS = {"episode_id", "step", "steps_remaining", "reward", "done"}
TASK = "binary_search_off_by_one"


def text_of(result) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


async def ok(client: Client, tool: str, **args) -> dict:
    result = await client.call_tool(tool, args)
    assert not result.is_error, f"{tool} failed: {text_of(result)}"
    assert result.structured_content is not None
    return result.structured_content


async def fails(client: Client, tool: str, *needles: str, **args) -> str:
    result = await client.call_tool(tool, args)
    message = text_of(result)
    assert result.is_error, f"{tool}({args}) should fail, got: {message[:300]}"
    for needle in needles:
        assert needle.lower() in message.lower(), f"{needle!r} not in {message!r}"
    return message


async def episode_state(client: Client, episode_id: str) -> dict:
    resource = await client.read_resource(f"episodes://{episode_id}")
    return json.loads(resource.contents[0].text)


@pytest.fixture(params=["auto", "legacy"])
async def client(request, server):
    async with Client(server, mode=request.param) as c:
        yield c


async def test_tools_are_listed_with_schemas_and_annotations(client):
    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == TOOLS
    for name, tool in tools.items():
        assert tool.output_schema is not None, name
        assert tool.description, name
        assert tool.annotations.read_only_hint is (name in READ_ONLY), name
        assert bool(tool.annotations.destructive_hint) is (name in DESTRUCTIVE), name
    for name in TOOLS - {"list_tasks", "start_task", "open_project"}:
        assert "episode_id" in tools[name].input_schema["required"], name
        assert STATUS_FIELDS <= set(tools[name].output_schema["properties"]), name


async def test_a_whole_episode_with_progress_and_rewards(client, backend, catalog):
    task = catalog.get(TASK)
    start = await ok(client, "start_task", task_id=TASK)
    episode = start["episode_id"]
    assert start["sandbox"]["backend"] == backend
    assert start["sandbox"]["isolation"] == ("container" if backend == "docker" else "process")
    assert start["code"].splitlines()[0].startswith("1|")
    assert {f["path"] for f in start["files"]} == {*task.editable_files(), *task.test_files}
    assert start["step"] == 0 and start["steps_remaining"] == task.spec.max_steps

    progress = []

    async def on_progress(done, total, message):
        progress.append((done, total, message))

    before = await client.call_tool("run_tests", {"episode_id": episode}, progress_callback=on_progress)
    first = before.structured_content
    assert not before.is_error
    assert text_of(before).startswith(f"Tests Passed: {first['passed']}/{first['total']}")
    assert 0 < first["passed"] < first["total"]
    assert len(progress) == first["total"] and progress[-1][0] == progress[-1][1] == first["total"]
    assert first["reward"] == 0  # the original's own pass rate is where the rewards start: running earns nothing
    failure = first["failures"][0]
    # binary_search returns a wrong value: the deepest readable frame is the failing assertion.
    assert failure["location"].startswith("tests/test_binary_search.py:") and "|" in failure["context"]

    again = await ok(client, "run_tests", episode_id=episode)
    assert again["reward"] == 0  # no progress, no reward

    lines = len(task.source_files["binary_search.py"].splitlines())
    edit = await ok(client, "replace_lines", episode_id=episode, start_line=1, end_line=lines, new_code=task.solution_files["binary_search.py"])
    assert edit["syntax_ok"] and edit["diff"].startswith("--- a/binary_search.py")

    fixed = await ok(client, "run_tests", episode_id=episode)
    assert fixed["passed"] == fixed["total"] and fixed["summary"] == f"Tests Passed: {fixed['total']}/{fixed['total']}"
    assert fixed["reward"] == pytest.approx(1 - first["passed"] / first["total"])

    snippet = await ok(client, "run_python", episode_id=episode, code="from binary_search import binary_search\nprint(binary_search([1, 2, 3], 3))")
    assert snippet["stdout"].strip() == "2" and snippet["exception"] is None

    final = await ok(client, "submit", episode_id=episode)
    assert final["score"] == 1.0 and final["resolved"] and final["done"]
    assert final["fixed"] == final["fail_to_pass"] > 0 and final["broken"] == 0 and final["hidden_passed"] == final["hidden_total"]
    # The submit pays the rest of the score: the visible progress was paid by run_tests already.
    assert final["reward"] == pytest.approx(first["passed"] / first["total"])
    assert final["step"] == 6 and final["steps_remaining"] == task.spec.max_steps - 6
    state = await episode_state(client, episode)
    assert state["done"] and state["end_reason"] == "submitted" and len(state["rewards"]) == 6
    assert sum(state["rewards"]) == pytest.approx(final["score"])
    assert state["files"]["binary_search.py"] == task.solution_files["binary_search.py"]  # readable once it is over


async def test_undo_and_reset_code(client, catalog):
    original = catalog.get(TASK).source_files["binary_search.py"]

    async def current(episode: str) -> str:
        return (await ok(client, "view_code", episode_id=episode))["code"]

    episode = (await ok(client, "start_task", task_id=TASK))["episode_id"]
    shown_original = await current(episode)
    await ok(client, "replace_lines", episode_id=episode, start_line=1, end_line=0, new_code="# one")
    await ok(client, "replace_lines", episode_id=episode, start_line=1, end_line=0, new_code="# two")
    reset = await ok(client, "reset_code", episode_id=episode)
    assert "-# two" in reset["diff"] and [f["path"] for f in reset["syntax"]] == ["binary_search.py"]
    assert await current(episode) == shown_original
    undone = await ok(client, "undo", episode_id=episode)
    assert undone["undone"] == "reset_code" and undone["syntax"][0]["syntax_ok"]
    assert (await current(episode)).startswith("1|# two\n2|# one\n")
    await ok(client, "undo", episode_id=episode)
    await ok(client, "undo", episode_id=episode)
    await fails(client, "undo", "nothing to undo", episode_id=episode)
    submitted = await ok(client, "submit", episode_id=episode)
    assert submitted["score"] == 0 and submitted["untouched"]  # edits undone: nothing of them counts
    assert (await episode_state(client, episode))["files"]["binary_search.py"] == original


async def test_syntax_error_is_reported_and_the_edit_applies(client):
    episode = (await ok(client, "start_task", task_id=TASK))["episode_id"]
    edit = await client.call_tool("replace_lines", {"episode_id": episode, "start_line": 1, "end_line": 0, "new_code": "def broken(:"})
    assert not edit.is_error
    assert not edit.structured_content["syntax_ok"] and edit.structured_content["syntax_error"]["line"] == 1
    assert "SYNTAX ERROR in binary_search.py line 1" in text_of(edit)
    run = await ok(client, "run_tests", episode_id=episode)
    assert run["passed"] == 0 and run["total"] > 0
    assert run["collection_errors"] and run["collection_errors"][0]["location"] == "binary_search.py:1"


async def test_bad_calls_are_tool_errors_and_change_nothing(client):
    episode = (await ok(client, "start_task", task_id=TASK, max_steps=5))["episode_id"]
    before = await episode_state(client, episode)
    bad_calls = [
        ("view_code", ("no episode", "start_task"), {"episode_id": "ep_nope"}),
        ("run_tests", ("no episode",), {"episode_id": "ep_nope"}),
        ("submit", ("no episode",), {"episode_id": "ep_nope"}),
        ("view_code", ("start_line 99", "out of range"), {"episode_id": episode, "start_line": 99}),
        ("view_code", ("before start_line",), {"episode_id": episode, "start_line": 5, "end_line": 2}),
        ("view_code", ("no file", "readable files"), {"episode_id": episode, "path": "nope.py"}),
        ("view_code", ("no file",), {"episode_id": episode, "path": "hidden_tests/test_binary_search_hidden.py"}),
        ("replace_lines", ("out of range",), {"episode_id": episode, "start_line": 500, "end_line": 500, "new_code": "x"}),
        ("replace_lines", ("before start_line",), {"episode_id": episode, "start_line": 5, "end_line": 2, "new_code": "x"}),
        ("replace_lines", ("out of range",), {"episode_id": episode, "start_line": 0, "end_line": 1, "new_code": "x"}),
        ("replace_lines", ("visible test file", "binary_search.py"), {"episode_id": episode, "path": "tests/test_binary_search.py", "start_line": 1, "end_line": 1, "new_code": "x"}),
        ("replace_lines", ("not a file of this task",), {"episode_id": episode, "path": "other.py", "start_line": 1, "end_line": 1, "new_code": "x"}),
        ("replace_lines", ("nul byte",), {"episode_id": episode, "start_line": 1, "end_line": 1, "new_code": "x\x00"}),
        ("replace_lines", ("start_line",), {"episode_id": episode, "start_line": "first", "end_line": 1, "new_code": "x"}),
        ("run_python", ("timeout_s",), {"episode_id": episode, "code": "print(1)", "timeout_s": -1}),
        ("start_task", ("no task", "list_tasks"), {"task_id": "no_such_task"}),
        ("start_task", ("max_steps",), {"task_id": TASK, "max_steps": 0}),
        ("list_tasks", ("difficulty",), {"difficulty": "impossible"}),
    ]
    for tool, needles, args in bad_calls:
        await fails(client, tool, *needles, **args)
    assert await episode_state(client, episode) == before


async def test_spending_the_budget_submits_and_then_the_episode_is_finished(client):
    episode = (await ok(client, "start_task", task_id=TASK, max_steps=2))["episode_id"]
    await ok(client, "view_code", episode_id=episode)
    last = await ok(client, "run_tests", episode_id=episode)
    assert last["done"] and last["steps_remaining"] == 0
    submission = last["submission"]
    assert submission["end_reason"] == "budget_spent" and 0 <= submission["score"] < 1
    state = await episode_state(client, episode)
    for tool, args in [("view_code", {}), ("replace_lines", {"start_line": 1, "end_line": 1, "new_code": "x"}), ("submit", {})]:
        await fails(client, tool, "finished", "step budget", "start_task", episode_id=episode, **args)
    assert await episode_state(client, episode) == state


async def test_list_tasks_filters_and_resources(client, catalog):
    all_tasks = await ok(client, "list_tasks")
    assert all_tasks["count"] == len(catalog.tasks)
    easy = await ok(client, "list_tasks", difficulty="easy")
    assert easy["count"] and all(t["difficulty"] == "easy" for t in easy["tasks"])
    catalog_json = json.loads((await client.read_resource("tasks://catalog")).contents[0].text)
    assert {t["task_id"] for t in catalog_json["tasks"]} == set(catalog.tasks)
    page = (await client.read_resource(f"tasks://{TASK}")).contents[0].text
    assert page.startswith("# ") and "hidden" not in page.lower()
    status = json.loads((await client.read_resource("debugbox://status")).contents[0].text)
    assert "sandbox" in status
    prompt = await client.get_prompt("solve_task", {"task_id": TASK})
    assert TASK in prompt.messages[0].content.text and "submit" in prompt.messages[0].content.text


async def test_unknown_ids_in_resources_and_prompts_say_what_to_do(client):
    from mcp.shared.exceptions import MCPError

    for call, needle in [
        (client.read_resource("tasks://no_such_task"), "tasks://catalog"),
        (client.read_resource("episodes://ep_nope"), "start_task"),
        (client.get_prompt("solve_task", {"task_id": "no_such_task"}), "list_tasks"),
    ]:
        with pytest.raises(MCPError, match=needle):
            await call


async def test_run_python_reports_exceptions_with_context(client):
    episode = (await ok(client, "start_task", task_id=TASK))["episode_id"]
    result = await ok(client, "run_python", episode_id=episode, code="from binary_search import binary_search\nbinary_search(None, 1)")
    assert result["exception"].startswith("TypeError")
    assert result["location"].startswith("binary_search.py:") and result["context"]
    slow = await ok(client, "run_python", episode_id=episode, code="import time\ntime.sleep(30)", timeout_s=1)
    assert slow["timed_out"]
    again = await ok(client, "run_python", episode_id=episode, code="print('still usable')")
    assert again["stdout"].strip() == "still usable"


async def test_run_tests_takes_a_selection_and_verbose(client):
    episode = (await ok(client, "start_task", task_id=TASK))["episode_id"]
    chosen = await client.call_tool("run_tests", {"episode_id": episode, "tests": ["-k", "empty_list or last_element"], "verbose": True})
    result = chosen.structured_content
    assert not chosen.is_error and result["total"] == 2 and result["reward"] == 0, text_of(chosen)
    assert [p["test"] for p in result["passing_details"]] == ["tests/test_binary_search.py::test_empty_list"]
    assert "PASSED tests/test_binary_search.py::test_empty_list (" in text_of(chosen)
    await fails(client, "run_tests", "not a visible test file", "tests/test_binary_search.py", episode_id=episode, tests=["hidden_tests/test_x.py"])
    await fails(client, "run_tests", "no visible test matches", episode_id=episode, tests=["tests/test_binary_search.py::nope"])
    assert (await episode_state(client, episode))["step"] == 1  # errors cost no step
