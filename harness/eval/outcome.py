"""What one played episode becomes in the record: a JSON line with every tool call, the score, why
it stopped, and whether a system error (not the solver) ended it. Pure: no I/O.

A *system error* says nothing about the solver, so the evaluator retries it and the summary
reports it apart from task failures:
- `sandbox`: a tool error started with SANDBOX_FAILURE_CODE (`[sandbox_failure]`): the sandbox failed
  (the server already replaced it once and the call still could not complete), even if the episode
  went on to be scored: its trajectory was disturbed by the infrastructure;
- `server_lost`: the MCP connection broke (the server died or could not be reached);
- `start_failed`: start_task was refused (capacity, a sandbox that could not be started);
- `model_api`: the solver's model endpoint kept failing after its own retries;
- `not_scored`: the episode ended without a score (its submit failed);
- `timeout`: the episode ran past the evaluator's time limit;
- `exception`: anything else that broke the episode from the client side.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import anyio

from environment.errors import SANDBOX_FAILURE_CODE
from harness.episode_log import one_line
from harness.episode_runner import EPISODE_ID, EpisodeRecord
from harness.policy import Step

SCHEMA_VERSION = 2  # 2: the score counts only the agent's changes; the raw hidden counts beside it (issue 17)
START_FAILED_PREFIX = "start_task failed"
RESULT_HEAD_CHARS = 160

STOP_REASONS = ("submitted", "max_steps", "kill_switch", "error")
SYSTEM_ERROR_KINDS = ("sandbox", "server_lost", "start_failed", "model_api", "not_scored", "timeout", "exception")
_TRANSPORT_MODULES = {"httpx", "httpx2", "httpcore", "h11"}


def episode_key(task_id: str, try_index: int) -> str:
    return f"{task_id}#{try_index}"


def result_digest(text: str) -> dict[str, Any]:
    """Enough of a tool result to audit a trajectory without storing every output in full."""
    return {
        "sha256": hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:16],
        "chars": len(text),
        "head": one_line(text, RESULT_HEAD_CHARS),
    }


def step_entry(number: int, step: Step) -> dict[str, Any]:
    outcome = step.outcome
    return {
        "n": number,
        "tool": step.call.name,
        # episode_id is the same on every call and sits on the episode line already.
        "args": {k: v for k, v in step.call.arguments.items() if k != EPISODE_ID},
        "ok": not outcome.is_error,
        "skipped": step.skipped,
        "reward": outcome.reward,
        "done": outcome.done,
        "latency_ms": None if step.latency_s is None else round(step.latency_s * 1000, 3),
        "result": result_digest(outcome.text),
    }


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _leaves(inner)]
    return [exc]


def describe_exception(exc: BaseException) -> str:
    return "; ".join(one_line(f"{type(leaf).__name__}: {leaf}", 300) for leaf in _leaves(exc))


def exception_kind(exc: BaseException) -> str:
    """server_lost for anything that looks like a broken connection, else exception."""
    if isinstance(exc, TimeoutError):
        return "timeout"
    for leaf in _leaves(exc):
        root = type(leaf).__module__.split(".")[0]
        if isinstance(leaf, (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.EndOfStream)):
            return "server_lost"
        if root in _TRANSPORT_MODULES or "connection" in str(leaf).lower():
            return "server_lost"
    return "exception"


# The submission's fields each scored line keeps (DESIGN.md, Scoring and rewards): the score over
# what the original fails, and the raw hidden counts it is reported beside.
SUBMISSION_FIELDS = ("hidden_passed", "hidden_total", "hidden_pass_rate", "fixed", "broken", "fail_to_pass", "pass_to_pass", "untouched")


def submission_fields(record: EpisodeRecord) -> dict[str, Any]:
    """The submission's counts, or nulls when the episode was not scored."""
    submission = record.submission if record.done else None
    return {name: (submission or {}).get(name) for name in SUBMISSION_FIELDS}


def _final_submission(record: EpisodeRecord) -> Mapping[str, Any] | None:
    for step in reversed(record.steps):
        submission = step.outcome.submission
        if submission is not None:
            return submission
    return None


def classify(record: EpisodeRecord, exc: BaseException | None) -> tuple[str, str | None, str | None]:
    """(stop_reason, system error kind or None, error message or None) of a played episode."""
    if exc is not None:
        return "error", exception_kind(exc), describe_exception(exc)
    if record.error:
        kind = "start_failed" if record.error.startswith(START_FAILED_PREFIX) else "model_api"
        return "error", kind, one_line(record.error, 500)
    broken = next((s for s in record.steps if s.outcome.is_error and s.outcome.text.startswith(SANDBOX_FAILURE_CODE)), None)
    if broken is not None:
        return "error", "sandbox", one_line(f"{broken.call.name}: {broken.outcome.text}", 500)
    if not record.done:
        return "error", "not_scored", f"the episode ended without a score ({record.stop_reason or 'no stop reason'})"
    submission = _final_submission(record)
    reason = record.stop_reason or ""
    if submission is not None and submission.get("end_reason") == "budget_spent":
        return "max_steps", None, None  # the task's own step budget ran out and the server scored it
    if reason.startswith("max steps"):
        return "max_steps", None, None
    if "kill switch" in reason:
        return "kill_switch", None, None
    # The solver called submit itself, or stopped and the runner submitted for it: either way the
    # solver ended the episode ("model ended" in the summary).
    return "submitted", None, None


def episode_line(
    *,
    task_id: str,
    difficulty: str,
    tags: Sequence[str],
    try_index: int,
    attempt: int,
    solver: str,
    model: str | None,
    record: EpisodeRecord,
    exc: BaseException | None,
    started_at: str,
    duration_s: float,
    tokens: Mapping[str, int] | None,
) -> dict[str, Any]:
    stop_reason, error_kind, message = classify(record, exc)
    executed = [s for s in record.steps if not s.skipped]
    return {
        "schema": SCHEMA_VERSION,
        "key": episode_key(task_id, try_index),
        "task_id": task_id,
        "difficulty": difficulty,
        "tags": list(tags),
        "try": try_index,
        "attempt": attempt,
        "solver": solver,
        "model": model,
        "episode_id": record.episode_id,
        "outcome": "system_error" if error_kind else "scored",
        "reward_mode": record.reward_mode,
        "score": record.score if record.done else None,
        "resolved": record.resolved if record.done else None,
        **submission_fields(record),
        "stop_reason": stop_reason,
        "stop_detail": record.stop_reason,
        "auto_submitted": record.auto_submitted,
        "error": {"kind": error_kind, "message": message} if error_kind else None,
        "n_steps": len(executed),
        "tool_errors": sum(1 for s in executed if s.outcome.is_error),
        "total_reward": round(sum(s.outcome.reward for s in executed), 6),
        "started_at": started_at,
        "duration_s": round(duration_s, 3),
        "tokens": dict(tokens) if tokens else None,
        "steps": [step_entry(n, step) for n, step in enumerate(record.steps, start=1)],
    }
