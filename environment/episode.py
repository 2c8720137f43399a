"""The episode engine: pure state, no I/O.

An Episode holds the truth about the code (the editable files), the undo history, the step
budget, the rewards and the final score. The service layer feeds it run results that a
sandbox produced; the engine itself never runs anything. Diffs and syntax checks of its changes are
the service's to compute (off the event loop): the engine returns what changed (diffs.FileChange).
"""

from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel

from environment import views
from environment.breakpoints import Breakpoints
from environment.diffs import FileChange
from environment.errors import BadArgument, EpisodeFinished, NoChange, NotEditable, NothingToUndo, quoted
from environment.history import LinesUndo, UndoHistory, UndoRecord, files_undo, lines_undo, text_bytes
from environment.limits import DEFAULT_MAX_FILE_CHARS, MIB, EpisodeLimits
from environment.step_log import StepLog
from environment.scoring import Baseline, RewardMode, Score, potential, submit_reward, visible_run_reward
from environment.views import SyntaxIssue
from tasks.model import Task

MAX_FILE_CHARS = DEFAULT_MAX_FILE_CHARS  # the default; the operator's is EpisodeLimits.max_file_chars
MAX_CODE_CHARS = 200_000
STEP_BYTES = 560  # a step's history entry and reward, besides its summary (measured with tracemalloc)

EndReason = Literal["submitted", "budget_spent", "idle_timeout", "server_shutdown", "sandbox_failure", "client_closed"]


class HistoryEntry(BaseModel):
    step: int
    tool: str
    summary: str
    reward: float


class ViewOutcome(BaseModel):
    path: str
    start_line: int
    end_line: int
    lines_total: int
    code: str


@dataclass
class Edit:
    """What a replace_lines did: enough for the service to show a diff and the lines around it."""

    path: str
    start_line: int
    end_line: int
    lines_total: int
    change: FileChange  # before and after as lines; only the edited range differs
    first_new_line: int  # 1-based range of the new code in the file, for the window around the edit
    last_new_line: int


@dataclass
class EditPlan:
    """A checked replace_lines not yet applied: `growth` is how many more bytes the episode would keep."""

    edit: Edit
    after_text: str
    record: UndoRecord
    growth: int
    version: int


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
    return text.replace("\r\n", "\n").replace("\r", "\n")  # a lone "\r" ends a line in Python source too


MAX_NAMED_FILES = 20  # an error names every readable file up to this many; past it, the nearest names


def readable_hint(path: object, files: dict[str, str]) -> str:
    """The readable files, or in a large project the names nearest to `path` and where to find the rest."""
    if len(files) <= MAX_NAMED_FILES:
        return f"Readable files: {', '.join(sorted(files))}."
    near = difflib.get_close_matches(str(path)[:200], list(files), n=5, cutoff=0.5) if isinstance(path, str) else []
    hint = f"Closest: {', '.join(near)}. " if near else ""
    return f"{hint}This project has {len(files)} readable files: list_files lists them, search_code finds text in them."


@dataclass
class Episode:
    episode_id: str
    task: Task
    max_steps: int
    files: dict[str, str] = field(default_factory=dict)
    step: int = 0
    rewards: list[float] = field(default_factory=list)  # one per call that cost a step, as the call returned it
    history: list[HistoryEntry] = field(default_factory=list)  # one per step, and one for a submit the budget set off
    reward_mode: RewardMode = "shaped"
    potential: float = 0.0  # the shaped rewards' Phi: visible pass fraction measured last, minus the original's
    done: bool = False
    end_reason: EndReason | None = None
    score: float | None = None
    resolved: bool | None = None
    outcome: Score | None = None  # the submit's score in full (fixed, broken, raw hidden counts)
    limits: EpisodeLimits = field(default_factory=EpisodeLimits)
    undo_history: UndoHistory = field(default_factory=lambda: UndoHistory(EpisodeLimits().max_undo_bytes))
    originals: dict[str, str] = field(default_factory=dict)  # the task's editable files: shared, not ours
    steps_bytes: int = 0
    calls: StepLog = field(default_factory=StepLog)  # what each call returned, for the trajectory
    version: int = 0  # counts changes of the files, so a stale EditPlan cannot be applied
    breakpoints: Breakpoints = field(default_factory=Breakpoints)  # the debugger's, kept across sessions

    @classmethod
    def create(
        cls, episode_id: str, task: Task, max_steps: int | None = None, limits: EpisodeLimits | None = None, reward_mode: RewardMode = "shaped"
    ) -> Episode:
        limits = limits or EpisodeLimits()
        budget = limits.budget(task.spec.max_steps, max_steps)
        originals = task.editable_files()
        return cls(
            episode_id=episode_id,
            task=task,
            max_steps=budget,
            files=dict(originals),
            limits=limits,
            undo_history=UndoHistory(limits.max_undo_bytes),
            originals=originals,
            reward_mode=reward_mode,
        )

    @property
    def undo_stack(self) -> list[UndoRecord]:
        """The undo records, oldest first."""
        return list(self.undo_history.records)

    # -- memory ------------------------------------------------------------------------------

    def files_bytes(self) -> int:
        return sum(text_bytes(text, self.originals.get(path)) for path, text in self.files.items())

    def retained_bytes(self) -> int:
        """What this episode keeps alive: edited files, undo history, step history, call log."""
        return self.files_bytes() + self.undo_history.nbytes + self.steps_bytes + self.calls.nbytes

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
                "client_closed": "its client closed it (an OpenEnv connection closed, or reset started another)",
            }.get(self.end_reason or "", "it ended")
            raise EpisodeFinished(
                f"Episode {self.episode_id} is finished: {why}; final score {self.score if self.score is not None else 0:.2f}. "
                "Call start_task to begin a new episode."
            )

    def summary(self) -> dict:
        """The state every front end shows of an episode: budget, outcome and rewards; no code."""
        return {
            "episode_id": self.episode_id,
            "task_id": self.task.id,
            "step": self.step,
            "max_steps": self.max_steps,
            "steps_remaining": self.steps_remaining,
            "done": self.done,
            "end_reason": self.end_reason,
            "score": self.score,
            "resolved": self.resolved,
            "reward_mode": self.reward_mode,
            "rewards": list(self.rewards),
        }

    @property
    def untouched(self) -> bool:
        """The editable files are exactly the originals (after any edits, undos and resets)."""
        return all(text is self.originals[path] or text == self.originals[path] for path, text in self.files.items())

    def charge(self, tool: str, summary: str, reward: float = 0.0) -> None:
        """Count one step for a call that did something (an error or a no-op costs nothing)."""
        self.step += 1
        self.rewards.append(reward)
        self._log(tool, summary, reward)

    def _log(self, tool: str, summary: str, reward: float) -> None:
        entry = HistoryEntry(step=self.step, tool=tool, summary=summary[:200], reward=reward)
        self.history.append(entry)
        self.steps_bytes += STEP_BYTES + sys.getsizeof(entry.summary)

    def record_visible_run(self, fraction: float, baseline: Baseline) -> float:
        """The reward of a full visible run that passed `fraction`: the change of the potential."""
        phi = potential(fraction, baseline)
        reward = visible_run_reward(self.reward_mode, self.potential, phi)
        self.potential = phi
        return reward

    def finish(self, outcome: Score, reason: EndReason) -> float:
        """Record the final score and end the episode; returns the submit's reward, which settles the
        potential to 0, so that the episode's rewards sum to its score."""
        reward = submit_reward(self.reward_mode, self.potential, outcome.score)
        self.potential = 0.0
        self.outcome = outcome
        self.score = outcome.score
        self.resolved = outcome.resolved
        self.done = True
        self.end_reason = reason
        self.undo_history.clear()  # nothing can be undone any more; episodes:// keeps the rest
        return reward

    def record_budget_submit(self, reward: float) -> None:
        """The call that spent the budget also submitted: the submit gets its own history entry (at
        the same step), and its reward joins the call's."""
        self.rewards[-1] += reward
        self._log("submit", f"step budget spent: submitted automatically, score {self.score or 0:.2f}", reward)

    def end_without_score(self, reason: EndReason) -> None:
        self.done = True
        self.end_reason = reason
        self.undo_history.clear()
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
            raise BadArgument(f"No file {quoted(path)} in this episode (path). {readable_hint(path, files)}")
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

    def _editable_text(self, path: str) -> str:
        if path not in self.files:
            kind = "a visible test file" if path in self.task.test_files else "not an editable file" if path in self.readable_files() else "not a file of this task"
            editable = self.task.editable
            named = ", ".join(editable[:MAX_NAMED_FILES]) + (f" and {len(editable) - MAX_NAMED_FILES} more (list_files shows each file's role)" if len(editable) > MAX_NAMED_FILES else "")
            raise NotEditable(f"path {quoted(path)} is {kind}; only these files can be edited: {named}.")
        return self.files[path]

    def plan_replace(self, path: str | None, start_line: int, end_line: int, new_code: str) -> EditPlan:
        """Check a replace_lines against the arguments and the limits, and work out what it would do,
        without changing anything (the service first makes room for `growth`). new_code replaces the
        lines exactly as written: each of its lines becomes one line, one trailing newline ignored."""
        path = path or self.task.spec.main_file
        before = self._editable_text(path)
        new_code = check_text("new_code", new_code, MAX_CODE_CHARS)
        lines = views.split_lines(before)
        total = len(lines)
        if start_line < 1 or start_line > total + 1:
            raise BadArgument(f"start_line {start_line} is out of range: {path} has lines 1-{total} (use start_line={total + 1}, end_line={total} to append).")
        if end_line < start_line - 1:
            raise BadArgument(f"end_line {end_line} is before start_line {start_line}. To insert before line {start_line}, pass end_line={start_line - 1}.")
        if end_line > total:
            raise BadArgument(f"end_line {end_line} is out of range: {path} has {total} lines.")
        label = f"replace_lines {path}:{start_line}-{end_line}"
        plan = self._plan(path, before, lines, start_line - 1, end_line, views.split_lines(new_code), label)
        if plan is None:
            raise NoChange(
                f"No change: lines {start_line}-{end_line} of {path} already read exactly as new_code does. "
                "Nothing was done and no step was counted; view_code shows the current lines."
            )
        return plan

    def plan_replace_text(self, path: str, old_text: str, new_text: str) -> EditPlan:
        """replace_text: one exact occurrence of old_text, which must be unique in the file."""
        before = self._editable_text(path)
        old_text = check_text("old_text", old_text, MAX_CODE_CHARS)
        new_text = check_text("new_text", new_text, MAX_CODE_CHARS)
        if not old_text:
            raise BadArgument("old_text is empty; give the exact text to replace (use replace_lines to insert at a line).")
        if old_text == new_text:
            raise NoChange("old_text and new_text are the same: nothing would change, and no step was counted.")
        at = views.unique_occurrence(path, before, old_text)
        lines = views.split_lines(before)
        after_lines = views.split_lines(before[:at] + new_text + before[at + len(old_text) :])
        first, last_old, last_new = views.changed_span(lines, after_lines)
        label = f"replace_text {path}:{first + 1}-{last_old}"
        plan = self._plan(path, before, lines, first, last_old, after_lines[first:last_new], label)
        if plan is None:
            raise NoChange(f"Replacing that text leaves {path} as it was: nothing was done, and no step was counted.")
        return plan

    def _plan(self, path: str, before: str, lines: list[str], start: int, end: int, replacement: list[str], label: str) -> EditPlan | None:
        """Lines start..end-1 (0-based) of `path` replaced by `replacement`, checked against the
        limits; None when the file would not change."""
        total = len(lines)
        new_lines = lines[:start] + replacement + lines[end:]
        self.limits.check_lines(path, total, len(new_lines))
        after = views.join_lines(new_lines)
        self.limits.check_chars(path, len(before), len(after))
        workspace = sum(map(len, self.files.values()))
        self.limits.check_workspace(workspace, workspace - len(before) + len(after))
        if after == before:
            return None
        if views.join_lines(lines) == before:
            record = lines_undo(label, path, start, len(replacement), lines[start:end])
        else:  # the text does not rebuild from its lines: keep it whole (once: edits normalise it)
            record = files_undo(label, {path: before}, self.originals)
        kept_before = text_bytes(before, self.originals.get(path))
        growth = sys.getsizeof(after) - kept_before + self.undo_history.bytes_after_push(record.nbytes) - self.undo_history.nbytes
        change = FileChange(path, lines, new_lines, start, end, start + len(replacement))
        edit = Edit(path, start + 1, end, len(new_lines), change, start + 1, max(start + 1, start + len(replacement)))
        return EditPlan(edit, after, record, growth, self.version)

    def apply(self, plan: EditPlan) -> Edit:
        if plan.version != self.version:
            raise RuntimeError("this edit was planned against files that have changed since")
        self.undo_history.push(plan.record)
        self.files[plan.edit.path] = plan.after_text
        self.version += 1
        return plan.edit

    def replace_lines(self, path: str | None, start_line: int, end_line: int, new_code: str) -> Edit:
        """Replace an inclusive range of lines (end_line = start_line - 1 inserts)."""
        return self.apply(self.plan_replace(path, start_line, end_line, new_code))

    def undo(self) -> tuple[str, list[FileChange]]:
        """Revert the last edit (or reset). Returns what was undone and what that changed."""
        record = self.undo_history.pop()
        if record is None:
            if self.undo_history.dropped:
                raise NothingToUndo(
                    f"There is nothing more to undo: the {self.undo_history.dropped} oldest changes were dropped to keep "
                    f"this episode's undo history within {self.limits.max_undo_bytes / MIB:g} MiB (the server's "
                    "--max-undo-mb). reset_code restores the original files."
                )
            raise NothingToUndo("There is nothing to undo: no edit has been made since the episode started.")
        self.version += 1
        if isinstance(record, LinesUndo):
            lines = views.split_lines(self.files[record.path])
            end = record.start + record.inserted
            restored = lines[: record.start] + record.removed + lines[end:]
            self.files[record.path] = views.join_lines(restored)
            return record.label, [FileChange(record.path, lines, restored, record.start, end, record.start + len(record.removed))]
        changes = []
        for path, text in record.files.items():
            current = self.files[path]
            self.files[path] = text
            if current is not text:
                changes.append(FileChange(path, current, text))
        return record.label, changes

    def reset(self) -> list[FileChange]:
        """Restore the original files; the reset itself can be undone."""
        before = self.files
        if self.untouched:
            raise NoChange("The files are already the originals: there is nothing to reset, and no step was counted.")
        self.undo_history.push(files_undo("reset_code", before, self.originals))
        self.files = dict(self.originals)
        self.version += 1
        return [FileChange(p, before[p], self.files[p]) for p in sorted(before) if before[p] is not self.files[p]]

    def syntax_problems(self) -> dict[str, SyntaxIssue]:
        return {p: issue for p, text in self.files.items() if (issue := views.syntax_issue(p, text))}
