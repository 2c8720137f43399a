"""What one episode may hold, and the checks that keep it there. Pure: no I/O.

The operator sets these (`debugbox serve` flags, DEBUGBOX_* variables; cli/settings.py). A call
that would pass a limit is refused with a message naming the limit, the value and what to do instead,
before anything changes and without costing a step.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from environment.errors import BadArgument

MIB = 1024 * 1024

# Defaults, and why:
# - 500,000 characters per file: the limit before this change; the largest real modules are ~10x
#   smaller, and every per-call cost (split, join, syntax check: ~0.9 s worst case in a worker) scales with it.
# - 20,000 lines per file: as many as the longest hand-written modules (pandas' frame.py has ~12,000);
#   per-line costs (numbering a view, comparing lines for a diff) scale with it, and it stops 200,000 empty lines in one call.
# - 2,000,000 characters of editable files per episode: four files at the per-file limit.
# - 8 MiB of undo history: thousands of line edits, or a reset of a full-size workspace.
# - 200 steps: four times the largest budget of the bundled tasks (30-50); also bounds the step
#   history an episode keeps and how long one episode can hold a sandbox.
DEFAULT_MAX_FILE_CHARS = 500_000
DEFAULT_MAX_FILE_LINES = 20_000
DEFAULT_MAX_WORKSPACE_CHARS = 2_000_000
DEFAULT_MAX_UNDO_BYTES = 8 * MIB
DEFAULT_MAX_STEPS = 200

# The bounds an operator may set them within (ServiceSettings uses the same types).
FileChars = Annotated[int, Field(ge=1_000, le=50_000_000)]
FileLines = Annotated[int, Field(ge=100, le=1_000_000)]
WorkspaceChars = Annotated[int, Field(ge=1_000, le=500_000_000)]
UndoBytes = Annotated[int, Field(ge=0, le=4096 * MIB)]
StepBudget = Annotated[int, Field(ge=1, le=10_000)]


class EpisodeLimits(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_file_chars: FileChars = DEFAULT_MAX_FILE_CHARS
    max_file_lines: FileLines = DEFAULT_MAX_FILE_LINES
    max_workspace_chars: WorkspaceChars = DEFAULT_MAX_WORKSPACE_CHARS
    max_undo_bytes: UndoBytes = DEFAULT_MAX_UNDO_BYTES
    max_steps: StepBudget = DEFAULT_MAX_STEPS

    def budget(self, task_budget: int, asked: int | None) -> int:
        """The step budget of a new episode: the task's own (cut to the bound), or what the caller
        asked for, between 1 and the bound."""
        default = min(task_budget, self.max_steps)
        if asked is None:
            return default
        if not 1 <= asked <= self.max_steps:
            raise BadArgument(
                f"max_steps must be between 1 and {self.max_steps} (this server's bound, set by its operator with "
                f"--max-steps-limit), got {asked}. Omit it to use the task's budget ({default})."
            )
        return asked

    def check_lines(self, path: str, lines_before: int, lines_after: int) -> None:
        """An edit may not take a file past a limit (a file already past one may still shrink)."""
        if lines_after > self.max_file_lines and lines_after > lines_before:
            raise BadArgument(
                f"the edit would give {path} {lines_after} lines; this server's limit is {self.max_file_lines} lines "
                "per file (--max-file-lines). Nothing was changed and no step was counted: replace lines instead of "
                "adding them, or delete some first."
            )

    def check_chars(self, path: str, chars_before: int, chars_after: int) -> None:
        if chars_after > self.max_file_chars and chars_after > chars_before:
            raise BadArgument(
                f"the edit would make {path} {chars_after} characters long; this server's limit is "
                f"{self.max_file_chars} characters per file (--max-file-chars). Nothing was changed and no step was "
                "counted: send a smaller edit, or delete code first."
            )

    def check_workspace(self, chars_before: int, chars_after: int) -> None:
        if chars_after > self.max_workspace_chars and chars_after > chars_before:
            raise BadArgument(
                f"the edit would make the editable files {chars_after} characters in all; this server's limit is "
                f"{self.max_workspace_chars} per episode (--max-workspace-chars). Nothing was changed and no step "
                "was counted: send a smaller edit, or delete code first."
            )
