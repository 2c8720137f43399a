"""What each call of an episode returned, kept for its trajectory (episodes://{id}/trajectory),
bounded in bytes. Pure: no I/O.

Only what the agent already saw is kept: the call, its arguments and the text of its result (or of
its error). Each text is cut to its head and tail; arguments are cut the same way; past the
episode's total bound new texts are replaced by a note, so a 300-step episode of large test
outputs costs at most MAX_LOG_BYTES. Past it a call that cost a step is still listed (small: steps
are bounded by the budget), an error only counted (errors cost nothing, so they have no bound of
their own). The bytes count in Episode.retained_bytes, so the server's
memory bounds (environment/retention.py) see them.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any

MAX_TEXT_CHARS = 4_000  # per result: the head and tail of a larger one
MAX_ARG_CHARS = 2_000  # per string argument
MAX_LOG_BYTES = 256 * 1024  # per episode, texts and arguments together
RECORD_OVERHEAD = 400  # the record, its dict and numbers (an estimate, like history.RECORD_OVERHEAD)
NOT_KEPT = "[not kept: this episode's trajectory reached its size bound of {kib} KiB]"


def cut(text: str, limit: int) -> str:
    """Head and tail of `text`, the cut marked with how much was left out."""
    if len(text) <= limit:
        return text
    head = limit * 3 // 4
    tail = limit - head
    return f"{text[:head]}\n[... {len(text) - limit} characters not kept ...]\n{text[-tail:]}"


def bounded_arguments(arguments: dict[str, Any]) -> dict[str, Any]:
    """Arguments as JSON values, long strings cut; episode_id left out (the trajectory names it once)."""
    kept: dict[str, Any] = {}
    for name, value in arguments.items():
        if name == "episode_id" or value is None:
            continue
        if isinstance(value, str):
            kept[name] = cut(value, MAX_ARG_CHARS)
        else:
            text = json.dumps(value, default=str)
            kept[name] = value if len(text) <= MAX_ARG_CHARS else cut(text, MAX_ARG_CHARS)
    return kept


@dataclass(frozen=True)
class CallRecord:
    tool: str
    arguments: dict[str, Any]
    text: str
    ok: bool  # False: the call was an error (it cost no step)
    step: int  # the episode's step count after the call
    steps_remaining: int
    reward: float
    done: bool
    started_at: str  # ISO 8601, UTC
    duration_ms: float
    nbytes: int


@dataclass
class StepLog:
    max_bytes: int = MAX_LOG_BYTES
    records: list[CallRecord] = field(default_factory=list)
    nbytes: int = 0
    texts_not_kept: int = 0
    errors_not_kept: int = 0

    def add(self, tool: str, arguments: dict[str, Any], text: str, **facts: Any) -> CallRecord | None:
        if self.nbytes >= self.max_bytes and not facts.get("ok", True):
            self.errors_not_kept += 1
            return None
        args = bounded_arguments(arguments)
        text = cut(text, MAX_TEXT_CHARS)
        size = RECORD_OVERHEAD + sys.getsizeof(text) + sys.getsizeof(json.dumps(args, default=str))
        if self.nbytes + size > self.max_bytes:
            # The call itself is still recorded, small; only its text and long arguments go.
            text = NOT_KEPT.format(kib=self.max_bytes // 1024)
            args = {k: v if not isinstance(v, str) or len(v) <= 80 else v[:80] + "..." for k, v in args.items()}
            size = RECORD_OVERHEAD + sys.getsizeof(text) + sys.getsizeof(json.dumps(args, default=str))
            self.texts_not_kept += 1
        record = CallRecord(tool=tool, arguments=args, text=text, nbytes=size, **facts)
        self.records.append(record)
        self.nbytes += size
        return record
