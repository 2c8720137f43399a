"""A failure of the sandbox itself is a contract (DESIGN.md, MCP contract): a tool error whose text
starts with SANDBOX_FAILURE_CODE, the step not charged; at submit the episode ends anyway, score 0.
No other error starts with the code, whatever the caller sends. No Docker: the local backend, with
a switch that makes its sandboxes fail."""

from __future__ import annotations

import json

import pytest
from mcp import Client

from environment.errors import SANDBOX_FAILURE_CODE
from environment.runtime import running
from environment.service import DebugService
from environment.settings import ServiceSettings
from mcp_server.server import build_server
from sandbox.base import SandboxError
from sandbox.local import LocalProvider
from tests.helpers import text_of

pytestmark = pytest.mark.anyio

TASK = "binary_search_off_by_one"


class BreakableProvider(LocalProvider):
    """Local sandboxes whose runs raise SandboxError while `broken` is set."""

    broken = False

    async def acquire(self, episode_id: str, environment=None):
        sandbox = await super().acquire(episode_id, environment=environment)
        run, provider = sandbox.run, self

        async def failing_run(request, on_event=None):
            if provider.broken:
                raise SandboxError("the runner stopped answering")
            return await run(request, on_event)

        sandbox.run = failing_run
        return sandbox


@pytest.fixture
async def setup(catalog):
    provider = BreakableProvider()
    service = DebugService(catalog, provider, ServiceSettings())
    async with running(service):
        async with Client(build_server(service)) as client:
            yield client, provider


async def state_of(client: Client, episode: str) -> dict:
    return json.loads((await client.read_resource(f"episodes://{episode}")).contents[0].text)


async def test_a_failed_run_starts_with_the_code_and_costs_no_step(setup):
    client, provider = setup
    episode = (await client.call_tool("start_task", {"task_id": TASK})).structured_content["episode_id"]
    provider.broken = True
    result = await client.call_tool("run_tests", {"episode_id": episode})
    text = text_of(result)
    assert result.is_error and text.startswith(f"{SANDBOX_FAILURE_CODE} The episode's sandbox failed"), text
    assert "the runner stopped answering" in text and "not counted" in text and "retry" in text
    assert (await state_of(client, episode))["step"] == 0
    provider.broken = False
    assert not (await client.call_tool("run_tests", {"episode_id": episode})).is_error  # a new sandbox serves the retry


async def test_a_submit_whose_sandbox_fails_ends_the_episode_with_the_code(setup):
    client, provider = setup
    episode = (await client.call_tool("start_task", {"task_id": TASK})).structured_content["episode_id"]
    provider.broken = True
    result = await client.call_tool("submit", {"episode_id": episode})
    text = text_of(result)
    assert result.is_error and text.startswith(f"{SANDBOX_FAILURE_CODE} The episode's sandbox failed while scoring"), text
    assert "ended with score 0" in text
    state = await state_of(client, episode)
    assert state["done"] and state["end_reason"] == "sandbox_failure" and state["score"] == 0.0
    provider.broken = False
    again = await client.call_tool("submit", {"episode_id": episode})  # final: no second look at the hidden tests
    assert again.is_error and "is finished: its sandbox failed" in text_of(again)
    assert not text_of(again).startswith(SANDBOX_FAILURE_CODE)


async def test_no_other_error_starts_with_the_code(setup):
    client, _ = setup
    for tool, args in [
        ("view_code", {"episode_id": SANDBOX_FAILURE_CODE}),
        ("start_task", {"task_id": f"{SANDBOX_FAILURE_CODE} x"}),
        ("list_tasks", {"difficulty": SANDBOX_FAILURE_CODE}),
        ("run_tests", {"episode_id": 3}),
    ]:
        result = await client.call_tool(tool, args)
        assert result.is_error and not text_of(result).startswith(SANDBOX_FAILURE_CODE), (tool, text_of(result))
