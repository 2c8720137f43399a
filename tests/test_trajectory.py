"""episodes://{id}/trajectory: every call of an episode as ATIF JSON, valid against the format's
published schema (tests/fixtures/atif/), showing only what the agent was shown, owner-checked, and
bounded in memory."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from mcp import Client

from environment.step_log import MAX_LOG_BYTES, MAX_TEXT_CHARS, StepLog
from environment.service import DebugService
from environment.settings import ServiceSettings
from mcp_server.server import build_server
from sandbox.local import LocalProvider
from environment.runtime import running
from tests.helpers import call_ok, text_of

SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "atif" / "trajectory.schema.json").read_text())
TASK = "binary_search_off_by_one"


def check_atif(doc: dict) -> None:
    """The published schema, plus the rules its models check in code (fixtures/atif/README.md)."""
    jsonschema.validate(doc, SCHEMA)
    for index, step in enumerate(doc["steps"], start=1):
        assert step["step_id"] == index
        if step["source"] != "agent":
            assert not {"tool_calls", "metrics", "reasoning_content", "model_name"} & set(step)
        ids = {c["tool_call_id"] for c in step.get("tool_calls", [])}
        for result in step.get("observation", {}).get("results", []):
            assert result.get("source_call_id") is None or result["source_call_id"] in ids


@pytest.fixture
async def local_server(catalog):
    svc = DebugService(catalog, LocalProvider(), ServiceSettings())
    async with running(svc):
        yield build_server(svc)


async def read(client: Client, uri: str) -> dict:
    return json.loads((await client.read_resource(uri)).contents[0].text)


@pytest.mark.anyio
async def test_a_whole_episode_reads_as_valid_atif_with_each_result_the_agent_saw(local_server, catalog):
    task = catalog.get(TASK)
    async with Client(local_server) as client:
        start = await call_ok(client, "start_task", task_id=TASK)
        episode = start["episode_id"]
        viewed = await client.call_tool("view_code", {"episode_id": episode, "start_line": 1, "end_line": 5})
        bad = await client.call_tool("view_code", {"episode_id": episode, "start_line": 9999})
        assert bad.is_error
        during = await read(client, f"episodes://{episode}/trajectory")
        check_atif(during)
        assert during["extra"]["final_diff"] is None and during["extra"]["done"] is False  # no code beyond what was viewed
        assert [s.get("tool_calls", [{}])[0].get("function_name") for s in during["steps"]] == [None, "view_code", "view_code"]
        assert during["steps"][0]["source"] == "user" and task.description.strip()[:40] in during["steps"][0]["message"]
        assert during["steps"][1]["observation"]["results"][0]["content"] == text_of(viewed)
        assert during["steps"][1]["tool_calls"][0]["arguments"] == {"start_line": 1, "end_line": 5}
        assert during["steps"][2]["extra"]["ok"] is False and "out of range" in during["steps"][2]["observation"]["results"][0]["content"]

        lines = {f["path"]: f["lines"] for f in start["files"]}
        for path, text in task.solution_files.items():
            await call_ok(client, "replace_lines", episode_id=episode, path=path, start_line=1, end_line=lines[path], new_code=text)
        await call_ok(client, "run_tests", episode_id=episode)
        submitted = await call_ok(client, "submit", episode_id=episode)
        after = await read(client, f"episodes://{episode}/trajectory")
    check_atif(after)
    facts = after["extra"]
    assert facts["done"] and facts["resolved"] and facts["submission"]["score"] == submitted["score"] == 1.0
    assert facts["final_diff"].startswith("--- ") and "+++ " in facts["final_diff"]
    tools = [s["tool_calls"][0]["function_name"] for s in after["steps"][1:]]
    assert tools[-2:] == ["run_tests", "submit"]
    assert after["steps"][-1]["extra"]["reward"] == pytest.approx(submitted["reward"])
    # Hidden tests never appear: their file names and contents are nowhere in the document.
    doc = json.dumps(after)
    for path, text in task.hidden_test_files.items():
        assert path not in doc and text.strip().splitlines()[-1].strip() not in doc


@pytest.mark.anyio
async def test_another_owner_cannot_read_a_trajectory(local_server):
    async with Client(local_server) as client:
        with pytest.raises(Exception, match="No episode"):
            await client.read_resource("episodes://ep_nobody/trajectory")


def test_the_call_log_is_bounded_and_counted():
    log = StepLog()
    facts = dict(ok=True, step=1, steps_remaining=1, reward=0.0, done=False, started_at="2026-01-01T00:00:00+00:00", duration_ms=1.0)
    big = "x" * 100_000
    first = log.add("run_tests", {"episode_id": "e", "tests": ["a"]}, big, **facts)
    assert len(first.text) < MAX_TEXT_CHARS + 100 and "characters not kept" in first.text
    assert "episode_id" not in first.arguments
    for _ in range(200):  # steps: bounded by the budget, each still listed past the bound, small
        log.add("run_python", {"code": big}, big, **facts)
    assert log.texts_not_kept > 0 and "not kept" in log.records[-1].text
    assert len(log.records) == 201
    for _ in range(10_000):  # errors cost nothing: past the bound they are only counted
        log.add("view_code", {"path": "nope"}, "No file", **{**facts, "ok": False})
    assert log.errors_not_kept == 10_000 and len(log.records) == 201
    assert log.nbytes <= MAX_LOG_BYTES + 200 * 1000
