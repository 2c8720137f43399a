"""Every episode call recorded for the episode's trajectory: `@recorded` on a DebugService tool.

One decorator rather than a line in each tool, so that a tool added later (the debugger's) is
recorded by adding it, and what is recorded is always the text the agent was shown: the result's
text(), or the error's message (an error costs no step, but the agent saw it). A failure of the
sandbox is not the agent's doing and is not recorded.
"""

from __future__ import annotations

import functools
import inspect
import time
from datetime import datetime, timezone
from typing import Any

from environment.errors import DebugboxError

NOT_ARGUMENTS = frozenset({"self", "owner", "progress"})


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def recorded(tool: str):
    def wrap(method):
        signature = inspect.signature(method)

        @functools.wraps(method)
        async def call(service, *args: Any, **kwargs: Any):
            bound = signature.bind(service, *args, **kwargs)
            arguments = {k: v for k, v in bound.arguments.items() if k not in NOT_ARGUMENTS}
            owner = bound.arguments.get("owner")
            started_at, started = now_iso(), time.perf_counter()
            try:
                result = await method(service, *args, **kwargs)
            except DebugboxError as exc:
                _note(service, arguments.get("episode_id"), owner, tool, arguments, str(exc), False, started_at, started, None)
                raise
            _note(service, result.episode_id, owner, tool, arguments, result.text(), True, started_at, started, result)
            return result

        return call

    return wrap


def _note(service, episode_id: str | None, owner: str | None, tool: str, arguments: dict, text: str, ok: bool, started_at: str, started: float, result) -> None:
    if not isinstance(episode_id, str) or owner is None:
        return
    handle = service.registry.handles.get(episode_id)
    if handle is None or handle.owner != owner:
        return  # an unknown episode: nothing to record it in
    ep = handle.episode
    ep.calls.add(
        tool,
        arguments,
        text,
        ok=ok,
        step=ep.step if result is None else result.step,
        steps_remaining=ep.steps_remaining if result is None else result.steps_remaining,
        reward=0.0 if result is None else result.reward,
        done=ep.done if result is None else result.done,
        started_at=started_at,
        duration_ms=round((time.perf_counter() - started) * 1000, 1),
    )
