"""Tool results: structured content (pydantic, so clients get an outputSchema) and the text a
model reads (numbered code, failures before passes, no JSON dumps). Runs have their own module
(environment/run_results.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from environment.scoring import Score
from environment.views import SyntaxIssue

WARN_STEPS_LEFT = 2  # the last this many steps carry a warning in the text
MAX_FILES_SHOWN = 40  # start_task's text names this many files (in a larger project editable ones first); list_files has the rest

STEP_RULE = "Each call that does something costs one step; an error or a call that would change nothing costs none."


class SandboxInfo(BaseModel):
    backend: str = Field(description="docker or local")
    isolation: str = Field(description="container, or process (not a security boundary)")


MAX_PATCH_SHOWN = 20_000  # characters of a project's patch in submit's text; the structured result and episodes://{id}/patch hold it whole


class ProjectOutcome(BaseModel):
    """A project episode's submit: its tests' last run and the patch of every change (no score)."""

    tests_passed: int
    tests_total: int
    tests_failing: list[str] = Field(description="tests that failed, errored or timed out in the last run")
    collection_errors: list[str] = []
    files_changed: list[str]
    patch: str = Field(description="unified diff of every change, paths relative to the project root: `git apply` takes it")
    patch_uri: str = Field(description="the resource that holds the same patch")
    root: str = Field(description="the project directory the patch applies to")

    def summary(self) -> str:
        failing = f" Still failing: {', '.join(self.tests_failing[:10])}." if self.tests_failing else ""
        errors = f" Could not collect: {', '.join(self.collection_errors[:5])}." if self.collection_errors else ""
        if not self.files_changed:
            return f"Tests: {self.tests_passed}/{self.tests_total} pass.{failing}{errors} No file was changed, so there is no patch."
        shown = self.patch if len(self.patch) <= MAX_PATCH_SHOWN else self.patch[:MAX_PATCH_SHOWN] + f"\n[patch cut here: read {self.patch_uri} for all of it]\n"
        return (
            f"Tests: {self.tests_passed}/{self.tests_total} pass.{failing}{errors} {len(self.files_changed)} file(s) changed: "
            f"{', '.join(self.files_changed[:20])}. Nothing was written to the user's files: the patch below (also at "
            f"{self.patch_uri}) applies with `git apply` in {self.root}.\n\n{shown}"
        )


class Submission(Score):
    """The submit's score in full: the score over what the original fails, and the raw hidden counts."""

    end_reason: str = Field(description="submitted, or budget_spent when the last step submitted by itself")
    reward: float = Field(description="the submit's own reward: the score, minus (shaped rewards) what visible progress already paid")
    project: ProjectOutcome | None = Field(default=None, description="a project episode's tests and patch (its score fields are all 0: it has no hidden tests)")

    def summary(self) -> str:
        if self.project is not None:
            return self.project.summary()
        verdict = "RESOLVED (every hidden test passes)" if self.resolved else "Not resolved"
        untouched = " The code was submitted as the task gave it, and untouched code scores 0." if self.untouched else ""
        return (
            f"Score {self.score:.2f}: {self.fixed} of the {self.fail_to_pass} hidden tests the original fails now pass, "
            f"{self.broken} of the {self.pass_to_pass} it passed now fail; {self.hidden_passed}/{self.hidden_total} hidden "
            f"tests pass in all. {verdict}.{untouched}"
        )


class EpisodeStatus(BaseModel):
    episode_id: str
    step: int = Field(description="steps used so far")
    steps_remaining: int
    reward: float = Field(description="reward of this call (DESIGN.md: shaped rewards sum to the score over an episode)")
    done: bool
    submission: Submission | None = Field(default=None, description="set when this call spent the budget and so submitted")
    debugger: str | None = Field(default=None, description="set when this call ended a live debugger session: why")

    def footer(self) -> str:
        left = "episode over" if self.done else f"{self.steps_remaining} left"
        line = f"[step {self.step}, {left}, reward {self.reward:+.2f}]"
        if self.debugger:
            line = f"Note: the debugger session ended ({self.debugger}).\n{line}"
        if self.submission is not None:
            return (
                f"STEP BUDGET SPENT: this call used the last step, so the episode was submitted automatically and is over.\n"
                f"{self.submission.summary()}\n{line}"
            )
        if not self.done and 0 < self.steps_remaining <= WARN_STEPS_LEFT:
            if self.steps_remaining == 1:
                warning = "WARNING: 1 step left: the next call that costs a step ends the episode (it is answered, then submitted)."
            else:
                warning = f"WARNING: {self.steps_remaining} steps left; when they are spent the episode submits itself."
            line = f"{line}\n{warning}"
        return line


class TaskEntry(BaseModel):
    task_id: str
    title: str
    difficulty: str
    tags: list[str]
    kind: str


class TaskList(BaseModel):
    tasks: list[TaskEntry]
    count: int

    def text(self) -> str:
        if not self.tasks:
            return "No tasks match. Call list_tasks without filters to see them all."
        rows = [f"- {t.task_id} [{t.difficulty}] {t.title} (tags: {', '.join(t.tags) or '-'})" for t in self.tasks]
        return f"{self.count} tasks:\n" + "\n".join(rows) + "\n\nCall start_task with a task_id to begin."


class FileInfo(BaseModel):
    path: str
    role: Literal["editable", "readonly", "test"]
    lines: int


class StartTaskResult(EpisodeStatus):
    task_id: str
    title: str
    difficulty: str
    kind: str
    description: str
    main_file: str
    files: list[FileInfo]
    code: str = Field(description="the main file, numbered N|text")
    max_steps: int
    reward_mode: str = Field(description="shaped or sparse (DESIGN.md, Scoring and rewards)")
    sandbox: SandboxInfo

    def text(self) -> str:
        shown = self.files if len(self.files) <= MAX_FILES_SHOWN else sorted(self.files, key=lambda f: f.role != "editable")[:MAX_FILES_SHOWN]
        files = "\n".join(f"- {f.path} ({f.role}, {f.lines} lines)" for f in shown)
        if len(self.files) > MAX_FILES_SHOWN:
            files += f"\n... and {len(self.files) - MAX_FILES_SHOWN} more: list_files lists them, search_code searches them."
        warning = ""
        if self.sandbox.isolation == "process":
            warning = "\nNote: this server runs code with process isolation only (no container).\n"
        return (
            f"Episode {self.episode_id} started: {self.title} [{self.difficulty}]\n\n"
            f"{self.description.strip()}\n\nFiles:\n{files}\n{warning}\n"
            f"{self.main_file}:\n{self.code}\n\n"
            f"You have {self.max_steps} steps. {STEP_RULE} When they are spent, the episode submits itself.\n"
            "Tools: list_files, search_code, view_code, replace_lines, replace_text, show_diff, run_tests, run_python, debug_start, debug_command, "
            "debug_stop, trace, undo, reset_code, submit.\n"
            "submit scores your changes on hidden tests: only tests the original fails and you fix count, minus any it "
            "passed that you break; untouched code scores 0.\n" + self.footer()
        )


class ViewCodeResult(EpisodeStatus):
    path: str
    start_line: int
    end_line: int
    lines_total: int
    code: str

    def text(self) -> str:
        if self.lines_total == 0:
            return f"{self.path} is empty.\n{self.footer()}"
        return f"{self.path} lines {self.start_line}-{self.end_line} of {self.lines_total}:\n{self.code}\n{self.footer()}"


def syntax_text(path: str, issue: SyntaxIssue | None, unchecked: str | None, fix: str) -> str:
    if unchecked is not None:
        return f"Syntax of {path} not checked: {unchecked}. run_tests reports any syntax error."
    if issue is not None:
        return f"SYNTAX ERROR in {path} line {issue.line}, column {issue.column}: {issue.message}\n{issue.line}|{issue.text}\n{fix}"
    return f"Syntax OK ({path})."


class EditResult(EpisodeStatus):
    path: str
    start_line: int = Field(description="first line of the replaced range, before the edit")
    end_line: int = Field(description="last line of the replaced range, before the edit")
    lines_total: int
    diff: str
    window: str = Field(description="numbered lines around the edit, after it")
    syntax_ok: bool
    syntax_error: SyntaxIssue | None = None
    syntax_unchecked: str | None = Field(default=None, description="why the syntax could not be checked (then syntax_ok is false)")

    def text(self) -> str:
        fix = "The edit was applied; fix it with another edit (or undo)."
        return "\n\n".join(
            [
                self.diff.rstrip(),
                syntax_text(self.path, self.syntax_error, self.syntax_unchecked, fix),
                f"{self.path} now ({self.lines_total} lines), around the edit:\n{self.window}",
                self.footer(),
            ]
        )


class ReplaceLinesResult(EditResult):
    pass


class ReplaceTextResult(EditResult):
    pass


class FileSyntax(BaseModel):
    path: str
    syntax_ok: bool
    syntax_error: SyntaxIssue | None = None
    syntax_unchecked: str | None = None


class RestoreResult(EpisodeStatus):
    """What undo and reset_code did: the diff, and the syntax check of every file they restored."""

    diff: str
    syntax: list[FileSyntax] = Field(description="each restored file's syntax check")

    def _syntax_text(self) -> str:
        fix = "The restored code holds this error; fix it with an edit (or undo again)."
        return "\n".join(syntax_text(f.path, f.syntax_error, f.syntax_unchecked, fix) for f in self.syntax)


class UndoResult(RestoreResult):
    undone: str

    def text(self) -> str:
        return f"Undid {self.undone}.\n{self.diff.rstrip() or '(no textual change)'}\n{self._syntax_text()}\n{self.footer()}"


class ResetResult(RestoreResult):
    def text(self) -> str:
        return f"Restored the original files (undo reverts this).\n{self.diff.rstrip()}\n{self._syntax_text()}\n{self.footer()}"


class ShowDiffResult(EpisodeStatus):
    files_changed: list[str]
    diff: str = Field(description="unified diff of every editable file against the original")

    def text(self) -> str:
        names = ", ".join(self.files_changed)
        return f"Changes against the original ({len(self.files_changed)} file(s): {names}):\n{self.diff.rstrip()}\n{self.footer()}"


class SubmitResult(EpisodeStatus, Submission):
    """submit's result: the status of the episode (now over) and the submission's score in full."""

    def text(self) -> str:
        # A project's summary ends with its patch: the closing words go on a line of their own.
        return f"Submitted. {self.summary()}{chr(10) if self.project else ' '}The episode is over.\n{self.footer()}"
