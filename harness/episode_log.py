"""The line log of an episode on stdout, one line per event, never a newline inside a line:

    [START] task=<task_id> env=debugbox model=<model>
    [STEP] step=<n> action=<tool(compact args)> reward=<0.00> done=<true|false> error=<msg|null>
    [END] success=<true|false> steps=<n> score=<0.00> rewards=<r1,r2,...,rn>

Numbers have two decimals; a reward can be negative (a shaped run_tests after a regression), never
"-0.00". `score` is the submission's score (DESIGN.md, Scoring and rewards), `success` whether it
resolved the task (every hidden test passes).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

ENV_NAME = "debugbox"
MAX_ARG_CHARS = 60
MAX_ERROR_CHARS = 300
HIDDEN_ARGS = frozenset({"episode_id"})  # the runner fills it in; it would only clutter the log
ELLIPSIS = "..."

_WHITESPACE = re.compile(r"\s+")
# Every character str.splitlines() breaks on; JSON quoting escapes most but not U+0085/U+2028/U+2029.
_LINE_BREAKS = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def one_line(text: str, limit: int | None = None) -> str:
    """Collapse every run of whitespace (newlines included) into one space; cut to `limit` chars."""
    text = _WHITESPACE.sub(" ", str(text)).strip()
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - len(ELLIPSIS))].rstrip() + ELLIPSIS
    return text


def no_line_breaks(text: str) -> str:
    return _LINE_BREAKS.sub(" ", text)


def _value(value: Any) -> str:
    """A JSON literal: strings keep their spaces (indentation matters in code) and show newlines as
    \\n; a long value is cut to MAX_ARG_CHARS with an ellipsis (inside the quotes for a string)."""
    if isinstance(value, str):
        shown = value if len(value) <= MAX_ARG_CHARS else value[: MAX_ARG_CHARS - len(ELLIPSIS)] + ELLIPSIS
        return no_line_breaks(json.dumps(shown, ensure_ascii=False))
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return one_line(text, MAX_ARG_CHARS)


def compact_action(name: str, arguments: Mapping[str, Any] | None) -> str:
    """`replace_lines(start_line=3,end_line=3,new_code="return x")`: no episode_id, long values cut."""
    args = ",".join(
        f"{one_line(key, MAX_ARG_CHARS)}={_value(val)}" for key, val in (arguments or {}).items() if key not in HIDDEN_ARGS
    )
    return f"{one_line(name, MAX_ARG_CHARS)}({args})"


def amount(value: float) -> str:
    """Two decimals, and 0.00 rather than -0.00 for a hair below zero."""
    return f"{round(value, 2) or 0.0:.2f}"


def _bool(value: bool) -> str:
    return "true" if value else "false"


def start_line(task_id: str, model: str) -> str:
    return f"[START] task={one_line(task_id)} env={ENV_NAME} model={one_line(model)}"


def step_line(step: int, action: str, reward: float, done: bool, error: str | None) -> str:
    shown_error = "null" if error is None else (one_line(error, MAX_ERROR_CHARS) or "error")
    return f"[STEP] step={step} action={no_line_breaks(action)} reward={amount(reward)} done={_bool(done)} error={shown_error}"


def end_line(success: bool, steps: int, score: float, rewards: Sequence[float]) -> str:
    return f"[END] success={_bool(success)} steps={steps} score={amount(score)} rewards={','.join(amount(r) for r in rewards)}"
