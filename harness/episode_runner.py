"""Play one episode: start the task, let a policy choose tool calls, execute them over MCP,
enforce the limits, and submit when the policy leaves the episode unsubmitted.

Limits (each ends the loop; the runner then submits so the score is real):
- the policy stops (its own kill switches, e.g. replies it cannot parse, surface as a Stop);
- the same call (tool and arguments, episode_id aside) is asked for `max_repeats` times in a row:
  the repeat is not executed. Nothing happened in between, so a repeat learns nothing new (the same
  code gives the same views and runs; a repeated edit fails as a no-op or piles the same text up),
  except for a call that moves the state on by itself: a successful `undo` reverts the edit before
  the last one's (PROGRESSING_TOOLS), so after a success it does not count as a repeat;
- `max_steps` calls were made (tool errors included: they cost the task's budget nothing, but a
  model that keeps erring must still stop).
A PolicyError (model unreachable, bad credentials) ends the episode without a submit: the score
would measure the outage, not the agent. Other exceptions (a lost connection) propagate; the
EpisodeRecord passed in keeps what happened up to then, so a caller can always report it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from harness.client import DebugboxClient, ToolOutcome, ToolSpec
from harness.policy import Observation, Policy, PolicyConfigError, PolicyError, Step, Stop, ToolCall

log = logging.getLogger(__name__)

RUNNER_TOOLS = frozenset({"start_task", "open_project", "list_tasks"})  # the runner starts the episode; a policy never does (nor opens another)
# Calls whose repetition, after a success, does something new (each undo reverts an earlier edit).
PROGRESSING_TOOLS = frozenset({"undo", "debug_command"})
EPISODE_ID = "episode_id"
SOLVE_PROMPT = "solve_task"


@dataclass
class EpisodeRecord:
    task_id: str
    episode_id: str | None = None
    steps: list[Step] = field(default_factory=list)  # every step, in order, as logged
    done: bool = False
    score: float = 0.0  # the submission's score (DESIGN.md: fixed fail-to-pass minus broken pass-to-pass)
    resolved: bool = False
    submission: dict[str, Any] | None = None  # the submission in full (raw hidden counts, fixed, broken, ...)
    reward_mode: str | None = None  # shaped or sparse, as start_task said
    stop_reason: str | None = None  # why the loop ended
    auto_submitted: bool = False
    error: str | None = None  # the episode could not be played to its end
    config_error: bool = False  # ... because of something the user must fix
    start_text: str = ""  # what start_task returned, as the model read it
    server_trajectory: dict[str, Any] | None = None  # episodes://{id}/trajectory at the end (keep_trajectory)

    @property
    def rewards(self) -> list[float]:
        return [step.outcome.reward for step in self.steps]

    @property
    def tool_errors(self) -> int:
        return sum(1 for step in self.steps if step.outcome.is_error)


StepCallback = Callable[[int, Step], None]


def _same_call_key(call: ToolCall) -> str:
    args = {k: v for k, v in call.arguments.items() if k != EPISODE_ID}
    return call.name + json.dumps(args, sort_keys=True, default=str)


class EpisodeRunner:
    def __init__(
        self,
        client: DebugboxClient,
        *,
        max_steps: int = 30,
        max_repeats: int = 3,
        on_step: StepCallback | None = None,
        keep_trajectory: bool = False,
    ):
        if max_steps < 1 or max_repeats < 2:
            raise ValueError("max_steps must be >= 1 and max_repeats >= 2")
        self.client = client
        self.max_steps = max_steps
        self.max_repeats = max_repeats
        self.on_step = on_step
        self.keep_trajectory = keep_trajectory  # read the server's trajectory when the episode ends

    def policy_tools(self) -> list[ToolSpec]:
        return [t for t in self.client.tools if t.name not in RUNNER_TOOLS]

    async def play(self, task_id: str, policy: Policy, record: EpisodeRecord | None = None) -> EpisodeRecord:
        record = record if record is not None else EpisodeRecord(task_id)
        started = await self.client.call("start_task", {"task_id": task_id})
        if started.is_error:
            record.error = f"start_task failed: {started.text}"
            return record
        record.episode_id = started.data["episode_id"]
        record.reward_mode = started.data.get("reward_mode")
        record.start_text = started.text
        observation = Observation(
            task_id=task_id,
            episode_id=record.episode_id,
            instructions=await self._instructions(task_id),
            start_text=started.text,
            start=started.data,
            tools=self.policy_tools(),
            max_calls=self.max_steps,
            max_repeats=self.max_repeats,
        )
        try:
            record.stop_reason = await self._loop(policy, observation, record)
        except PolicyError as exc:
            record.error = str(exc)
            record.config_error = isinstance(exc, PolicyConfigError)
            record.stop_reason = "policy error"
            return record
        if not record.done:
            log.info("episode %s not submitted (%s): submitting it", record.episode_id, record.stop_reason)
            record.auto_submitted = True
            await self._execute(ToolCall("submit", {EPISODE_ID: record.episode_id}, "runner-submit"), record)
        if self.keep_trajectory:
            await self._read_trajectory(record)
        return record

    async def _read_trajectory(self, record: EpisodeRecord) -> None:
        """The server's account of the episode (final diff, submission); a trajectory written
        without it still holds every step the client saw, so a failure here is only logged."""
        try:
            record.server_trajectory = json.loads(await self.client.resource(f"episodes://{record.episode_id}/trajectory"))
        except Exception as exc:  # noqa: BLE001 - an older server has no trajectory resource
            log.warning("could not read the trajectory of %s: %s", record.episode_id, exc)

    async def _instructions(self, task_id: str) -> str:
        try:
            return await self.client.prompt(SOLVE_PROMPT, {"task_id": task_id})
        except Exception as exc:  # noqa: BLE001 - an older server without the prompt still works
            log.warning("could not get the %s prompt (%s); using the server instructions", SOLVE_PROMPT, exc)
            return self.client.instructions or "Fix the bug in the program, then call submit."

    async def _loop(self, policy: Policy, observation: Observation, record: EpisodeRecord) -> str:
        repeats, last_key = 0, None
        while True:
            if record.done:
                return "episode over"
            if len(record.steps) >= self.max_steps:
                return f"max steps ({self.max_steps}) reached"
            decision = await policy.act(observation)
            if isinstance(decision, Stop):
                return f"policy stopped: {decision.reason}"
            answered: list[Step] = []
            stop_reason = None
            for call in decision:
                if stop_reason is None and record.done:
                    stop_reason = "episode over"
                if stop_reason is None and len(record.steps) >= self.max_steps:
                    stop_reason = f"max steps ({self.max_steps}) reached"
                key = _same_call_key(call)
                repeats = repeats + 1 if key == last_key and not self._progressed(call, record) else 1
                last_key = key
                if stop_reason is None and repeats >= self.max_repeats:
                    stop_reason = f"kill switch: the same call {call.name} asked for {repeats} times in a row"
                if stop_reason is not None:
                    answered.append(Step(call, ToolOutcome(f"Not executed: {stop_reason}.", is_error=True), skipped=True))
                    continue
                answered.append(await self._execute(self._with_episode_id(call, observation), record))
            observation.history.extend(answered)
            observation.last = answered
            if stop_reason is not None:
                return stop_reason

    @staticmethod
    def _progressed(call: ToolCall, record: EpisodeRecord) -> bool:
        """The previous call (the same as this one) moved the state on, so repeating it is no loop."""
        last = record.steps[-1] if record.steps else None
        return call.name in PROGRESSING_TOOLS and last is not None and not last.skipped and not last.outcome.is_error

    def _with_episode_id(self, call: ToolCall, observation: Observation) -> ToolCall:
        tool = next((t for t in observation.tools if t.name == call.name), None)
        if tool is None or call.arguments.get(EPISODE_ID) or EPISODE_ID not in tool.input_schema.get("properties", {}):
            return call
        return ToolCall(call.name, {EPISODE_ID: observation.episode_id, **call.arguments}, call.call_id)

    async def _execute(self, call: ToolCall, record: EpisodeRecord) -> Step:
        available = {t.name for t in self.client.tools} - RUNNER_TOOLS
        latency_s = None
        started_at = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        if call.name not in available:
            outcome = ToolOutcome(
                f"Unknown tool {call.name!r}. The tools are: {', '.join(sorted(available))}.", is_error=True
            )
        else:
            started = time.perf_counter()
            outcome = await self.client.call(call.name, call.arguments)
            latency_s = time.perf_counter() - started
        step = Step(call, outcome, latency_s=latency_s, started_at=started_at)
        record.steps.append(step)
        if outcome.done:
            record.done = True
            submission: dict[str, Any] | None = outcome.submission
            if submission is not None:
                record.submission = dict(submission)
                record.score = float(submission.get("score") or 0.0)
                record.resolved = bool(submission.get("resolved"))
        if self.on_step is not None:
            self.on_step(len(record.steps), step)
        return step
