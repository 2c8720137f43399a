"""The episode engine: pure state, no I/O.

An Episode holds the truth about the code (the editable files), the undo history, the step
budget, the rewards and the final score. The service layer feeds it run results that a
sandbox produced; the engine itself never runs anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel

from mcp_server import views
from mcp_server.errors import BadArgument, EpisodeFinished, NotEditable, NothingToUndo, quoted
from mcp_server.scoring import best_visible_reward
from mcp_server.views import SyntaxIssue
from tasks.model import Task

MAX_FILE_CHARS = 500_000
MAX_CODE_CHARS = 200_000

EndReason = Literal["submitted", "budget_spent", "idle_timeout", "server_shutdown", "sandbox_failure"]


class HistoryEntry(BaseModel):
    step: int
    tool: str
    summary: str
    reward: float


class EditOutcome(BaseModel):
    path: str
    start_line: int
    end_line: int
    lines_total: int
    diff: str
    window: str
    window_start: int
    window_end: int
    syntax_error: SyntaxIssue | None


class ViewOutcome(BaseModel):
    path: str
    start_line: int
    end_line: int
    lines_total: int
    code: str


@dataclass
class Snapshot:
    label: str
    files: dict[str, str]


def check_text(name: str, text: str, limit: int) -> str:
    """Text that can become a source file: bounded, no NUL, encodable as UTF-8."""
    if len(text) > limit:
        raise BadArgument(f"{name} has {len(text)} characters; the limit is {limit}. Send a smaller change.")
    if "\x00" in text:
        raise BadArgument(f"{name} contains a NUL byte, which Python source cannot hold. Remove it and retry.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadArgument(f"{name} contains characters that are not valid Unicode text (a lone surrogate). Send plain UTF-8 text.") from None
    return text.replace("\r\n", "\n")


@dataclass
class Episode:
    episode_id: str
    task: Task
    max_steps: int
    files: dict[str, str] = field(default_factory=dict)
    step: int = 0
    rewards: list[float] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    best_visible: float = 0.0
    done: bool = False
    end_reason: EndReason | None = None
    score: float | None = None
    resolved: bool | None = None
    undo_stack: list[Snapshot] = field(default_factory=list)

    @classmethod
    def create(cls, episode_id: str, task: Task, max_steps: int | None = None) -> Episode:
        budget = task.spec.max_steps if max_steps is None else max_steps
        if not 1 <= budget <= 1000:
            raise BadArgument(f"max_steps must be between 1 and 1000, got {budget}. Omit it to use the task's budget ({task.spec.max_steps}).")
        return cls(episode_id=episode_id, task=task, max_steps=budget, files=task.editable_files())

    # -- budget and lifecycle ------------------------------------------------------------

    @property
    def steps_remaining(self) -> int:
        return max(0, self.max_steps - self.step)

    @property
    def budget_spent(self) -> bool:
        return self.step >= self.max_steps

    @property
    def last_reward(self) -> float:
        return self.rewards[-1] if self.rewards else 0.0

    def ensure_active(self) -> None:
        if self.done:
            why = {
                "submitted": "it was submitted",
                "budget_spent": "its step budget is spent (it was submitted automatically)",
                "idle_timeout": "it was idle too long",
                "server_shutdown": "the server is shutting down",
                "sandbox_failure": "its sandbox failed",
            }.get(self.end_reason or "", "it ended")
            raise EpisodeFinished(
                f"Episode {self.episode_id} is finished: {why}; final score {self.score if self.score is not None else 0:.2f}. "
                "Call start_task to begin a new episode."
            )

    def charge(self, tool: str, summary: str, reward: float = 0.0) -> None:
        """Count one step for a call that succeeded."""
        self.step += 1
        self.rewards.append(reward)
        self.history.append(HistoryEntry(step=self.step, tool=tool, summary=summary[:200], reward=reward))

    def finish(self, score: float, reason: EndReason) -> float:
        """Record the final score; the reward of the finishing step is the score."""
        self.score = score
        self.resolved = score >= 1.0
        self.done = True
        self.end_reason = reason
        return score

    def end_without_score(self, reason: EndReason) -> None:
        self.done = True
        self.end_reason = reason
        if self.score is None:
            self.score = 0.0
            self.resolved = False

    # -- files -----------------------------------------------------------------------------

    def readable_files(self) -> dict[str, str]:
        """What the agent may read: current editable files, read-only sources, visible tests."""
        return {**self.task.readonly_source_files(), **self.files, **self.task.test_files}

    def workspace_files(self) -> dict[str, str]:
        """The files a visible run needs: sources as edited, plus the pristine visible tests."""
        return {**self.task.readonly_source_files(), **self.files, **self.task.test_files}

    def scoring_files(self) -> dict[str, str]:
        """Only the editable files' content reaches scoring, beside pristine sources and hidden tests."""
        return {**self.task.readonly_source_files(), **self.files, **self.task.hidden_test_files}

    def _lines_of(self, path: str) -> list[str]:
        files = self.readable_files()
        if path not in files:
            raise BadArgument(f"No file {quoted(path)} in this episode (path). Readable files: {', '.join(sorted(files))}.")
        return views.split_lines(files[path])

    def view(self, path: str | None, start_line: int | None, end_line: int | None) -> ViewOutcome:
        path = path or self.task.spec.main_file
        lines = self._lines_of(path)
        total = len(lines)
        start = 1 if start_line is None else start_line
        end = total if end_line is None else min(end_line, total)
        if total == 0:
            return ViewOutcome(path=path, start_line=0, end_line=0, lines_total=0, code="")
        if start < 1 or start > total:
            raise BadArgument(f"start_line {start} is out of range: {path} has lines 1-{total}.")
        if end < start:
            raise BadArgument(f"end_line {end_line} is before start_line {start}; ask for a range with start_line <= end_line <= {total}.")
        return ViewOutcome(path=path, start_line=start, end_line=end, lines_total=total, code=views.numbered(lines, start, end))

    def replace_lines(self, path: str | None, start_line: int, end_line: int, new_code: str) -> EditOutcome:
        path = path or self.task.spec.main_file
        if path not in self.files:
            kind = "a visible test file" if path in self.task.test_files else "not an editable file" if path in self.readable_files() else "not a file of this task"
            raise NotEditable(f"path {quoted(path)} is {kind}; only these files can be edited: {', '.join(self.task.spec.editable)}.")
        new_code = check_text("new_code", new_code, MAX_CODE_CHARS)
        lines = views.split_lines(self.files[path])
        total = len(lines)
        if start_line < 1 or start_line > total + 1:
            raise BadArgument(f"start_line {start_line} is out of range: {path} has lines 1-{total} (use start_line={total + 1}, end_line={total} to append).")
        if end_line < start_line - 1:
            raise BadArgument(f"end_line {end_line} is before start_line {start_line}. To insert before line {start_line}, pass end_line={start_line - 1}.")
        if end_line > total:
            raise BadArgument(f"end_line {end_line} is out of range: {path} has {total} lines.")
        replacement = views.split_lines(new_code)
        new_lines = lines[: start_line - 1] + replacement + lines[end_line:]
        after = views.join_lines(new_lines)
        if len(after) > MAX_FILE_CHARS:
            raise BadArgument(f"the edit would make {path} {len(after)} characters long; the limit is {MAX_FILE_CHARS}.")
        before = self.files[path]
        if after != before:
            self.undo_stack.append(Snapshot(f"replace_lines {path}:{start_line}-{end_line}", dict(self.files)))
            self.files[path] = after
        shown_end = start_line + len(replacement) - 1
        w_start, w_end, text = views.window(new_lines, start_line, max(start_line, shown_end))
        return EditOutcome(
            path=path,
            start_line=start_line,
            end_line=end_line,
            lines_total=len(new_lines),
            diff=views.unified_diff(path, before, after),
            window=text,
            window_start=w_start,
            window_end=w_end,
            syntax_error=views.syntax_issue(path, after),
        )

    def diff_against(self, before: dict[str, str]) -> str:
        return "".join(views.unified_diff(p, before.get(p, ""), self.files.get(p, "")) for p in sorted(self.files))

    def undo(self) -> tuple[str, str]:
        """Revert the last edit (or reset). Returns what was undone and the diff it made."""
        if not self.undo_stack:
            raise NothingToUndo("There is nothing to undo: no edit has been made since the episode started.")
        snapshot = self.undo_stack.pop()
        before = dict(self.files)
        self.files = dict(snapshot.files)
        return snapshot.label, self.diff_against(before)

    def reset(self) -> str:
        """Restore the original files; the reset itself can be undone."""
        before = dict(self.files)
        original = self.task.editable_files()
        if before != original:
            self.undo_stack.append(Snapshot("reset_code", before))
            self.files = dict(original)
        return self.diff_against(before)

    def record_visible_run(self, fraction: float) -> float:
        reward = best_visible_reward(fraction, self.best_visible)
        self.best_visible = max(self.best_visible, fraction)
        return reward

    def syntax_problems(self) -> dict[str, SyntaxIssue]:
        return {p: issue for p, text in self.files.items() if (issue := views.syntax_issue(p, text))}
