"""An episode as an ATIF trajectory (environment/atif.py), built from what the episode kept of
each call (environment/step_log.py). Pure: no I/O.

It shows only what the agent was shown: the start_task text (the description and the code it was
given), then each call with the text it returned, its reward and the budget after it. The final
diff against the original and the submission's counts join once the episode is over; hidden tests
never appear (the submission holds counts only). The model's own words and tokens are the
client's to add (harness/trajectories.py).
"""

from __future__ import annotations

from typing import Any

from environment import atif
from environment.episode import Episode
from environment.step_log import CallRecord

AGENT_NAME = "debugbox"
SERVER_VERSION = "0.1.0"


def call_extra(record: CallRecord) -> dict[str, Any]:
    """Per-step facts every reader of a debugbox trajectory can rely on (the viewer reads them)."""
    return {
        "ok": record.ok,
        "step": record.step,
        "steps_remaining": record.steps_remaining,
        "reward": record.reward,
        "done": record.done,
        "duration_ms": record.duration_ms,
    }


def episode_facts(ep: Episode, final_diff: str | None) -> dict[str, Any]:
    spec = ep.task.spec
    return {
        "episode_id": ep.episode_id,
        "task_id": ep.task.id,
        "title": spec.title,
        "difficulty": spec.difficulty.value,
        "tags": list(spec.tags),
        "description": ep.task.description,
        "max_steps": ep.max_steps,
        "steps_used": ep.step,
        "reward_mode": ep.reward_mode,
        "rewards": list(ep.rewards),
        "done": ep.done,
        "end_reason": ep.end_reason,
        "score": ep.score,
        "resolved": ep.resolved,
        "submission": ep.outcome.model_dump(mode="json") if ep.outcome else None,
        "final_diff": final_diff,  # None while the episode runs: the code is read through view_code
        "results_not_kept": ep.calls.texts_not_kept,
        "errors_not_kept": ep.calls.errors_not_kept,
    }


def build(ep: Episode, final_diff: str | None = None) -> atif.Trajectory:
    steps: list[atif.Step] = []
    for record in ep.calls.records:
        step_id = len(steps) + 1
        if record.tool in ("start_task", "open_project"):  # what the episode starts with: the user's message
            steps.append(
                atif.Step(step_id=step_id, timestamp=record.started_at, source="user", message=record.text, extra={"tool": record.tool, **call_extra(record)})
            )
            continue
        steps.append(
            atif.tool_step(step_id, f"call_{step_id}", record.tool, record.arguments, record.text, timestamp=record.started_at, extra=call_extra(record))
        )
    if not steps:  # ATIF wants at least one step; an episode always has its start
        steps.append(atif.Step(step_id=1, source="user", message=ep.task.description))
    rewards = sum(ep.rewards)
    return atif.Trajectory(
        session_id=ep.episode_id,
        agent=atif.Agent(name=AGENT_NAME, version=SERVER_VERSION, extra={"recorded_by": "server"}),
        steps=steps,
        notes="Recorded by the debugbox server: every call the episode answered, with the text it returned. "
        "The model's messages and token counts are known to the client only.",
        final_metrics=atif.FinalMetrics(total_steps=len(steps), extra={"total_reward": rewards, "episode_steps": ep.step}),
        extra=episode_facts(ep, final_diff),
    )
