"""An episode as the client saw it, written as ATIF JSON (environment/atif.py).

The client knows what the server cannot: the model's message and reasoning before each call and the
tokens each reply cost (a policy reports them through an optional `step_notes()`: call_id -> {message,
reasoning, prompt_tokens, completion_tokens}), every call it made, including those the server never
answered (an unknown tool, a call skipped by the runner's limits), and why the episode stopped. The
server knows the final diff and the submission in full: its own trajectory
(episodes://{id}/trajectory, read when the episode ended) lends its episode facts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from environment import atif
from environment.step_log import bounded_arguments, cut
from harness.episode_runner import EpisodeRecord

MAX_RESULT_CHARS = 16_000  # per result: head and tail, so a long run of large outputs stays readable


def policy_notes(policy: Any) -> Mapping[str, Mapping[str, Any]]:
    notes = getattr(policy, "step_notes", None)
    return notes() if callable(notes) else {}


def _metrics(note: Mapping[str, Any]) -> atif.Metrics | None:
    prompt, completion = note.get("prompt_tokens"), note.get("completion_tokens")
    return atif.Metrics(prompt_tokens=prompt, completion_tokens=completion) if prompt is not None or completion is not None else None


def build(
    record: EpisodeRecord,
    *,
    agent: str,
    model: str | None,
    notes: Mapping[str, Mapping[str, Any]] | None = None,
    tokens: Mapping[str, int] | None = None,
    facts: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    notes = notes or {}
    server = record.server_trajectory or {}
    episode = dict(server.get("extra") or {})
    steps = [atif.Step(step_id=1, source="user", message=record.start_text or str(episode.get("description") or ""), extra={"tool": "start_task"})]
    for step in record.steps:
        step_id = len(steps) + 1
        note = notes.get(step.call.call_id) or {}
        data = step.outcome.data
        extra = {
            "ok": not step.outcome.is_error,
            "skipped": step.skipped,
            "step": data.get("step"),
            "steps_remaining": data.get("steps_remaining"),
            "reward": step.outcome.reward,
            "done": step.outcome.done,
            "duration_ms": None if step.latency_s is None else round(step.latency_s * 1000, 1),
        }
        steps.append(
            atif.tool_step(
                step_id,
                step.call.call_id or f"call_{step_id}",
                step.call.name,
                bounded_arguments(step.call.arguments),
                cut(step.outcome.text, MAX_RESULT_CHARS),
                timestamp=step.started_at,
                message=str(note.get("message") or ""),
                reasoning=note.get("reasoning"),
                metrics=_metrics(note),
                extra=extra,
            )
        )
    episode.update(
        {
            "episode_id": record.episode_id,
            "task_id": record.task_id,
            "stop_reason": record.stop_reason,
            "auto_submitted": record.auto_submitted,
            "error": record.error,
            "recorded_by": "client",
            **(facts or {}),
        }
    )
    if record.submission is not None:
        episode.setdefault("submission", record.submission)
        episode["score"], episode["resolved"] = record.score, record.resolved
    tokens = tokens or {}
    trajectory = atif.Trajectory(
        session_id=record.episode_id,
        agent=atif.Agent(name=agent, version="0.1.0", model_name=model),
        steps=steps,
        notes="Written by the debugbox client: every call it made with the text it got back, the model's messages and "
        "tokens where known, and the server's account of the episode (final diff, submission).",
        final_metrics=atif.FinalMetrics(
            total_prompt_tokens=tokens.get("prompt"),
            total_completion_tokens=tokens.get("completion"),
            total_steps=len(steps),
            extra={"total_reward": sum(record.rewards), "tool_calls": len(record.steps), "tool_errors": record.tool_errors},
        ),
        extra=episode,
    )
    return trajectory.to_json_dict()


def file_name(task_id: str, try_index: int) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in task_id)
    return f"{safe}__{try_index}.json"


def write(path: Path, trajectory: Mapping[str, Any]) -> None:
    """Written whole, then renamed: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(trajectory, indent=1, ensure_ascii=False))
    partial.replace(path)
