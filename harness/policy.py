"""The policy protocol: given what the episode has shown so far, the next tool call(s), or stop.

A policy object plays one episode (it may keep state between calls, e.g. a chat transcript); the
episode runner executes its calls over MCP, enforces the limits and reports each step.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from harness.client import ToolOutcome, ToolSpec


@dataclass(frozen=True)
class ToolCall:
    """A call a policy asks for. `call_id` lets a chat policy pair the result with its request."""

    name: str
    arguments: dict[str, Any]
    call_id: str = ""


@dataclass(frozen=True)
class Stop:
    """The policy ends the episode (the runner still submits an unsubmitted episode)."""

    reason: str


@dataclass(frozen=True)
class Step:
    """One call and its outcome. A call the runner rejects itself (an unknown tool) is still a step,
    with an error outcome. `skipped` calls are not steps: the runner did not act on them because the
    episode had ended or a limit was reached first; their outcome says so. `latency_s` is the wall
    time of the MCP call (None when no call was made), for evaluators that measure step cost."""

    call: ToolCall
    outcome: ToolOutcome
    skipped: bool = False
    latency_s: float | None = None
    started_at: str | None = None  # ISO 8601 (UTC), for trajectories


@dataclass
class Observation:
    task_id: str
    episode_id: str
    instructions: str  # the server's solve_task prompt
    start_text: str  # what start_task returned, as a model reads it
    start: dict[str, Any]  # start_task's structured content
    tools: list[ToolSpec]  # the tools the policy may call (start_task and list_tasks excluded)
    history: list[Step] = field(default_factory=list)
    last: list[Step] = field(default_factory=list)  # the steps answering the previous act()
    max_calls: int | None = None  # the runner's limits: calls per episode (tool errors included) ...
    max_repeats: int | None = None  # ... and the same call this many times in a row


Decision = Sequence[ToolCall] | Stop


@runtime_checkable
class Policy(Protocol):
    async def act(self, observation: Observation) -> Decision:
        """The next tool call(s), in order, or Stop."""
        ...


class PolicyError(Exception):
    """The policy cannot go on (its model is unreachable, refused the request, ...)."""


class PolicyConfigError(PolicyError):
    """A configuration problem the user must fix (credentials, model name, endpoint): retrying
    other tasks would fail the same way."""


class ScriptedPolicy:
    """Plays a fixed list of calls, then stops: for demos and tests of the runner itself."""

    def __init__(self, calls: Iterable[ToolCall | tuple[str, dict[str, Any]]]):
        self._calls = iter(list(calls))
        self._ids = itertools.count(1)

    async def act(self, observation: Observation) -> Decision:
        call = next(self._calls, None)
        if call is None:
            return Stop("script finished")
        if isinstance(call, tuple):
            call = ToolCall(call[0], dict(call[1]), f"scripted-{next(self._ids)}")
        return [call]
