"""Tool results: structured content (pydantic, so clients get an outputSchema) and the text a
model reads (numbered code, failures before passes, no JSON dumps)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from environment.views import SyntaxIssue



class SandboxInfo(BaseModel):
    backend: str = Field(description="docker or local")
    isolation: str = Field(description="container, or process (not a security boundary)")


class Submission(BaseModel):
    score: float = Field(description="hidden tests passed / hidden tests total")
    resolved: bool = Field(description="score == 1")
    hidden_passed: int
    hidden_total: int
    end_reason: str

    def summary(self) -> str:
        verdict = "RESOLVED" if self.resolved else "not resolved"
        return f"Submitted: score {self.score:.2f} ({self.hidden_passed}/{self.hidden_total} hidden tests passed), {verdict}."


class EpisodeStatus(BaseModel):
    episode_id: str
    step: int = Field(description="steps used so far")
    steps_remaining: int
    reward: float = Field(description="reward of this call")
    done: bool
    submission: Submission | None = Field(default=None, description="set when this call spent the budget and submitted")

    def footer(self) -> str:
        line = f"[step {self.step}, {self.steps_remaining} left, reward {self.reward:.2f}]"
        if self.submission is not None:
            line = f"Step budget spent. {self.submission.summary()}\n{line}"
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
    sandbox: SandboxInfo

    def text(self) -> str:
        files = "\n".join(f"- {f.path} ({f.role}, {f.lines} lines)" for f in self.files)
        warning = ""
        if self.sandbox.isolation == "process":
            warning = "\nNote: this server runs code with process isolation only (no container).\n"
        return (
            f"Episode {self.episode_id} started: {self.title} [{self.difficulty}]\n\n"
            f"{self.description.strip()}\n\nFiles:\n{files}\n{warning}\n"
            f"{self.main_file}:\n{self.code}\n\n"
            f"You have {self.max_steps} steps. Tools: view_code, replace_lines, run_tests, run_python, undo, reset_code, submit.\n"
            + self.footer()
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


class ReplaceLinesResult(EpisodeStatus):
    path: str
    start_line: int
    end_line: int
    lines_total: int
    diff: str
    window: str = Field(description="numbered lines around the edit, after it")
    syntax_ok: bool
    syntax_error: SyntaxIssue | None = None
    syntax_unchecked: str | None = Field(default=None, description="why the syntax could not be checked (then syntax_ok is false)")

    def text(self) -> str:
        parts = [self.diff.rstrip() or f"No change: {self.path} already had that content."]
        if self.syntax_unchecked is not None:
            parts.append(f"Syntax not checked: {self.syntax_unchecked}. run_tests reports any syntax error.")
        elif self.syntax_error is not None:
            e = self.syntax_error
            parts.append(
                f"SYNTAX ERROR in {self.path} line {e.line}, column {e.column}: {e.message}\n"
                f"{e.line}|{e.text}\nThe edit was applied; fix it with replace_lines (or undo)."
            )
        else:
            parts.append("Syntax OK.")
        parts.append(f"{self.path} now ({self.lines_total} lines), around the edit:\n{self.window}")
        parts.append(self.footer())
        return "\n\n".join(parts)


class UndoResult(EpisodeStatus):
    undone: str
    diff: str

    def text(self) -> str:
        return f"Undid {self.undone}.\n{self.diff.rstrip() or '(no textual change)'}\n{self.footer()}"


class ResetResult(EpisodeStatus):
    changed: bool
    diff: str

    def text(self) -> str:
        if not self.changed:
            return f"The files were already original; nothing changed.\n{self.footer()}"
        return f"Restored the original files (undo reverts this).\n{self.diff.rstrip()}\n{self.footer()}"


class SubmitResult(EpisodeStatus):
    score: float
    resolved: bool
    hidden_passed: int
    hidden_total: int
    end_reason: str

    def text(self) -> str:
        verdict = "RESOLVED" if self.resolved else "not resolved"
        return (
            f"Submitted: score {self.score:.2f} ({self.hidden_passed}/{self.hidden_total} hidden tests passed), {verdict}. "
            f"The episode is over.\n{self.footer()}"
        )
