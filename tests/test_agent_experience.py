"""What an agent meets through MCP (issue 17): the step rule, the budget's warnings and its end,
the new tools (replace_text, show_diff), the newline rule of replace_lines, the syntax check after
undo and reset, the episode resource, the tool descriptions, and the original's baseline that the
scores and rewards start from. Through a real mcp.Client on the local backend; the Docker backend
runs the same service code in tests/test_mcp_tools.py."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from functools import partial

import anyio
import pytest
from mcp import Client

from environment import baselines
from environment.baselines import BaselineCache
from environment.registry import LOCAL_OWNER
from environment.runtime import running
from environment.scoring import Baseline
from environment.service import DebugService
from environment.settings import ServiceSettings
from mcp_server.server import build_server
from sandbox.local import LocalProvider
from tests.test_mcp_tools import episode_state, fails, ok, text_of

pytestmark = pytest.mark.anyio

TASK = "binary_search_off_by_one"
TWO_FILES = "bank_ledger_transfers"  # a task with several editable files


@pytest.fixture(params=["auto", "legacy"])
async def client(request, catalog) -> AsyncIterator[Client]:
    service = DebugService(catalog, LocalProvider(), ServiceSettings())
    async with running(service), Client(build_server(service), mode=request.param) as c:
        yield c


async def start(client: Client, task: str = TASK, **args) -> str:
    return (await ok(client, "start_task", task_id=task, **args))["episode_id"]


async def steps_and_rewards(client: Client, episode: str) -> tuple:
    state = await episode_state(client, episode)
    return state["step"], state["rewards"], state["history"]


async def test_a_call_that_would_change_nothing_is_an_error_and_costs_nothing(client):
    episode = await start(client)
    first = (await ok(client, "view_code", episode_id=episode, start_line=1, end_line=1))["code"].split("|", 1)[1]
    before = await steps_and_rewards(client, episode)
    await fails(client, "reset_code", "already the originals", "no step", episode_id=episode)
    await fails(client, "undo", "nothing to undo", episode_id=episode)
    await fails(client, "show_diff", "nothing has changed", "no step", episode_id=episode)
    await fails(client, "replace_lines", "no change", "no step", episode_id=episode, start_line=1, end_line=1, new_code=first)
    await fails(client, "replace_text", "same", episode_id=episode, path="binary_search.py", old_text=first, new_text=first)
    await fails(client, "run_python", "empty", episode_id=episode, code="  \n")
    assert await steps_and_rewards(client, episode) == before


async def test_every_tool_description_says_what_it_returns_and_costs_without_stray_indentation(client):
    for tool in (await client.list_tools()).tools:
        description = tool.description or ""
        assert description and not any(line.startswith(" ") for line in description.splitlines()), (tool.name, description)
        assert "\nReturns " in description, tool.name
        assert ("Free" if tool.name in ("list_tasks", "start_task", "open_project") else "Costs one step") in description, tool.name


async def test_the_last_two_steps_warn_and_the_budget_submit_is_said_and_recorded(client, catalog):
    episode = await start(client, max_steps=3)
    first = await client.call_tool("view_code", {"episode_id": episode, "start_line": 1, "end_line": 1})
    assert "WARNING: 2 steps left" in text_of(first)
    second = await client.call_tool("view_code", {"episode_id": episode, "start_line": 1, "end_line": 1})
    assert "WARNING: 1 step left: the next call that costs a step ends the episode" in text_of(second)
    # An error in between costs nothing and does not end the episode.
    await fails(client, "view_code", "out of range", episode_id=episode, start_line=10_000)
    last = await client.call_tool("run_tests", {"episode_id": episode})
    text = text_of(last)
    assert "STEP BUDGET SPENT: this call used the last step, so the episode was submitted automatically" in text
    assert "Tests Passed:" in text  # the call itself is answered
    content = last.structured_content
    assert content["done"] and content["submission"]["end_reason"] == "budget_spent" and content["submission"]["score"] == 0
    state = await episode_state(client, episode)
    assert [(h["step"], h["tool"]) for h in state["history"]] == [(1, "view_code"), (2, "view_code"), (3, "run_tests"), (3, "submit")]
    assert state["end_reason"] == "budget_spent" and sum(h["reward"] for h in state["history"]) == pytest.approx(state["score"])


async def test_the_episode_resource_shows_no_code_until_the_episode_ends(client, catalog):
    episode = await start(client)
    await ok(client, "replace_lines", episode_id=episode, start_line=1, end_line=0, new_code="# mine")
    during = await episode_state(client, episode)
    assert during["files"] is None and during["step"] == 1 and during["history"][0]["tool"] == "replace_lines"
    assert "# mine" not in json.dumps(during) and "def binary_search" not in json.dumps(during)
    await ok(client, "submit", episode_id=episode)
    after = await episode_state(client, episode)
    assert after["files"]["binary_search.py"].startswith("# mine\n") and after["submission"]["fail_to_pass"] > 0


async def test_show_diff_shows_every_change_in_every_file(client, catalog):
    task = catalog.get(TWO_FILES)
    episode = await start(client, TWO_FILES)
    for path in task.spec.editable[:2]:
        await ok(client, "replace_lines", episode_id=episode, path=path, start_line=1, end_line=0, new_code=f"# changed {path}")
    diff = await ok(client, "show_diff", episode_id=episode)
    assert diff["files_changed"] == sorted(task.spec.editable[:2]) and diff["step"] == 3
    for path in task.spec.editable[:2]:
        assert f"--- a/{path}" in diff["diff"] and f"+# changed {path}" in diff["diff"]


async def test_replace_text_replaces_one_exact_unique_occurrence(client, catalog):
    source = catalog.get(TASK).source_files["binary_search.py"]
    episode = await start(client)
    # Not found: the lines most like it are shown, and nothing is counted.
    line = next(ln for ln in source.splitlines() if ln.strip().startswith("while"))
    wrong = "\t" + line.strip()  # a tab where the file has spaces
    missing = await fails(client, "replace_text", "does not occur", "indentation", episode_id=episode, path="binary_search.py", old_text=wrong, new_text="x")
    assert line in missing
    near = await fails(client, "replace_text", "most like", episode_id=episode, path="binary_search.py", old_text=line.replace("<", "<=", 1) + "!", new_text="x")
    assert line in near
    # Not unique: every occurrence is listed.
    await fails(client, "replace_text", "more than once", "surrounding lines", episode_id=episode, path="binary_search.py", old_text="return", new_text="yield")
    await fails(client, "replace_text", "visible test file", episode_id=episode, path="tests/test_binary_search.py", old_text="def", new_text="x")
    assert (await episode_state(client, episode))["step"] == 0
    edited = await ok(client, "replace_text", episode_id=episode, path="binary_search.py", old_text=line, new_text=line + "  # checked")
    assert edited["step"] == 1 and edited["syntax_ok"] and f"+{line}  # checked" in edited["diff"] and "# checked" in edited["window"]
    undone = await ok(client, "undo", episode_id=episode)
    assert undone["undone"].startswith("replace_text binary_search.py:")
    assert (await ok(client, "view_code", episode_id=episode))["code"] == (await ok(client, "view_code", episode_id=episode))["code"]


async def test_replace_lines_takes_new_code_exactly_as_written(client):
    episode = await start(client)
    separator = "\u2028"  # a line separator inside a string literal: one line for Python, two for str.splitlines
    cases = [
        (f'SEP = "a{separator}b"', [f'SEP = "a{separator}b"']),
        ("x = 1\n", ["x = 1"]),  # one trailing newline is ignored
        ("x = 1\n\n", ["x = 1", ""]),  # only one
        ("\nx = 1", ["", "x = 1"]),  # a leading newline is a blank line
        ("x = 1\r\ny = 2", ["x = 1", "y = 2"]),
    ]
    for new_code, lines in cases:
        edit = await ok(client, "replace_lines", episode_id=episode, start_line=1, end_line=0, new_code=new_code)
        assert edit["syntax_ok"], new_code
        shown = (await ok(client, "view_code", episode_id=episode, start_line=1, end_line=len(lines)))["code"]
        assert shown == "\n".join(f"{n}|{text}" for n, text in enumerate(lines, 1)), (new_code, shown)
        await ok(client, "undo", episode_id=episode)


async def test_undo_and_reset_check_the_syntax_of_what_they_restore(client):
    episode = await start(client)
    await ok(client, "replace_lines", episode_id=episode, start_line=1, end_line=0, new_code="def broken(:")
    await ok(client, "replace_lines", episode_id=episode, start_line=1, end_line=1, new_code="def fixed(): pass")
    undone = await client.call_tool("undo", {"episode_id": episode})
    assert not undone.is_error and "SYNTAX ERROR in binary_search.py line 1" in text_of(undone)
    assert undone.structured_content["syntax"][0]["syntax_error"]["line"] == 1
    reset = await ok(client, "reset_code", episode_id=episode)
    assert reset["syntax"] == [{"path": "binary_search.py", "syntax_ok": True, "syntax_error": None, "syntax_unchecked": None}]


# -- the baseline: measured once, never on start_task's path ------------------------------------


async def test_start_task_does_not_wait_for_the_baseline_and_a_run_waits_for_it(catalog):
    task = catalog.get(TASK)
    release = anyio.Event()
    measured: list[str] = []

    async def slow_measure(t) -> Baseline:
        measured.append(t.id)
        await release.wait()
        return Baseline(visible_passed=0, visible_total=1, hidden_passing=[], hidden_total=1)

    service = DebugService(catalog, LocalProvider(), ServiceSettings(), BaselineCache(None, known={}))
    service._measure = slow_measure
    async with running(service):
        with anyio.fail_after(10):
            first = await service.start_task(task.id, owner=LOCAL_OWNER)  # returns while the measure waits
            second = await service.start_task(task.id, owner=LOCAL_OWNER)
        await anyio.sleep(0.1)
        assert measured == [task.id] and service.baselines.known(task) is None
        async with anyio.create_task_group() as tg:
            tg.start_soon(partial(service.run_tests, first.episode_id, None, owner=LOCAL_OWNER))
            await anyio.sleep(0.2)
            assert service.episode(first.episode_id, owner=LOCAL_OWNER).step == 0  # still waiting
            release.set()
        assert measured == [task.id]  # one measurement for both episodes
        result = await service.run_tests(second.episode_id, owner=LOCAL_OWNER)
        assert result.reward == pytest.approx(result.passed / result.total)  # from the (made-up) baseline of 0


async def test_the_baseline_is_measured_on_the_original_and_cached_on_disk(catalog, tmp_path):
    task = catalog.get(TASK)
    service = DebugService(catalog, LocalProvider(), ServiceSettings(baseline_cache_dir=tmp_path), BaselineCache(tmp_path, known={}))
    async with running(service):
        baseline = await service.baseline(task)
    assert 0 < baseline.visible_passed < baseline.visible_total and 0 < len(baseline.hidden_passing) < baseline.hidden_total
    files = list(tmp_path.glob("*.json"))
    assert [f.stem for f in files] == [f"{task.content_digest}-runner-{baselines.RUNNER_DIGEST}"]

    async def must_not_measure(t) -> Baseline:
        raise AssertionError("measured again despite the cache")

    again = await BaselineCache(tmp_path, known={}).get(task, must_not_measure)
    assert again == baseline
    files[0].write_text("{not json")  # a damaged file is measured again, not trusted
    remeasured = await BaselineCache(tmp_path, known={}).get(task, lambda t: _returning(baseline))
    assert remeasured == baseline and json.loads(files[0].read_text())["baseline"] == baseline.model_dump()


async def test_a_baseline_measured_by_another_runner_is_measured_again(catalog, tmp_path, monkeypatch):
    # An upgrade that changes how the runner counts tests must not score against the old runner's facts.
    task = catalog.get(TASK)
    stale = Baseline(visible_passed=0, visible_total=1, hidden_passing=[], hidden_total=1)
    monkeypatch.setattr(baselines, "RUNNER_DIGEST", "0" * 16)
    await BaselineCache(tmp_path, known={}).get(task, lambda t: _returning(stale))
    monkeypatch.undo()
    fresh = stale.model_copy(update={"visible_passed": 1})
    measured = await BaselineCache(tmp_path, known={}).get(task, lambda t: _returning(fresh))
    assert measured == fresh and len(list(tmp_path.glob("*.json"))) == 2


async def _returning(value):
    return value


# -- the serve options -------------------------------------------------------------------------


def test_reward_mode_and_baseline_cache_are_serve_flags_and_environment_variables(tmp_path):
    from cli.main import build_parser
    from cli.settings import ConfigError, service_settings

    def settings(argv: list[str], environ: dict):
        return service_settings(build_parser().parse_args(["serve", *argv]), environ)

    defaults = settings([], {"XDG_CACHE_HOME": str(tmp_path)})
    assert defaults.reward_mode == "shaped" and defaults.baseline_cache_dir == tmp_path / "debugbox" / "baselines"
    assert settings(["--reward", "sparse"], {}).reward_mode == "sparse"
    assert settings([], {"DEBUGBOX_REWARD": "sparse", "DEBUGBOX_BASELINE_CACHE_DIR": "none"}).baseline_cache_dir is None
    assert settings(["--baseline-cache-dir", str(tmp_path)], {}).baseline_cache_dir == tmp_path
    with pytest.raises(ConfigError, match="--reward='dense'"):
        settings(["--reward", "dense"], {})
    with pytest.raises(ConfigError, match="DEBUGBOX_REWARD='Shaped!'"):
        settings([], {"DEBUGBOX_REWARD": "Shaped!"})


async def test_sparse_rewards_pay_only_at_submit(catalog):
    task = catalog.get(TASK)
    service = DebugService(catalog, LocalProvider(), ServiceSettings(reward_mode="sparse"))
    async with running(service):
        started = await service.start_task(TASK, owner=LOCAL_OWNER)
        assert started.reward_mode == "sparse"
        source = task.source_files["binary_search.py"]
        await service.replace_lines(started.episode_id, 1, len(source.splitlines()), task.solution_files["binary_search.py"], None, owner=LOCAL_OWNER)
        run = await service.run_tests(started.episode_id, owner=LOCAL_OWNER)
        assert run.passed == run.total and run.reward == 0
        submitted = await service.submit(started.episode_id, owner=LOCAL_OWNER)
        assert submitted.score == submitted.reward == 1.0
