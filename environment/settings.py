"""The service's settings: how many episodes, how long they live, what each may hold. One pydantic
model with the bounds of every field; `debugbox serve` fills it from flags and DEBUGBOX_* variables
(cli/settings.py), tests and embedders construct it directly."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from environment.limits import (
    DEFAULT_MAX_FILE_CHARS,
    DEFAULT_MAX_FILE_LINES,
    DEFAULT_MAX_STEPS,
    DEFAULT_MAX_UNDO_BYTES,
    DEFAULT_MAX_WORKSPACE_CHARS,
    MIB,
    EpisodeLimits,
    FileChars,
    FileLines,
    StepBudget,
    UndoBytes,
    WorkspaceChars,
)
from environment.scoring import RewardMode
from sandbox.base import Limits
from tasks.project import ProjectLimits

MAX_MEMORY_BYTES = 1024 * 1024 * MIB  # 1 TiB: past any machine this runs on


class ServiceSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_episodes: int = Field(default=256, ge=1, le=100_000, description="episodes running at once")
    max_episodes_per_owner: int | None = Field(default=None, ge=1, le=100_000, description="the same per bearer token over HTTP")
    max_output_bytes: int = Field(default=16_000, ge=1_000, le=10_000_000, description="output a run returns (head and tail kept)")
    python_timeout_s: float = Field(default=10.0, gt=0, le=3600, description="run_python's time limit when the call names none")
    max_python_timeout_s: float = Field(default=60.0, gt=0, le=3600, description="the most run_python may ask for")
    idle_timeout_s: float = Field(default=1800.0, gt=0, description="an untouched episode ends and frees its sandbox")
    keep_finished_s: float = Field(default=3600.0, ge=0, description="a finished episode stays readable (episodes://) this long")
    sweep_interval_s: float = Field(default=30.0, gt=0, le=3600)
    limits: Limits = Field(default_factory=Limits, description="caps on every run's process tree")
    debug_session_s: float = Field(default=600.0, gt=0, le=7200, description="a debugger session's wall-time cap")
    debug_command_timeout_s: float = Field(default=10.0, gt=0, le=600, description="a debugger command is interrupted after this long")
    reward_mode: RewardMode = Field(default="shaped", description="shaped: potential-based on visible progress, plus the score; sparse: the score only")
    baseline_cache_dir: Path | None = Field(default=None, description="where the originals' measured results are kept across servers (None: in memory only)")
    # What one episode may hold (environment/limits.py says why these defaults).
    max_steps_limit: StepBudget = DEFAULT_MAX_STEPS
    max_file_chars: FileChars = DEFAULT_MAX_FILE_CHARS
    max_file_lines: FileLines = DEFAULT_MAX_FILE_LINES
    max_workspace_chars: WorkspaceChars = DEFAULT_MAX_WORKSPACE_CHARS
    max_undo_bytes: UndoBytes = DEFAULT_MAX_UNDO_BYTES
    # What all episodes together may keep in the server's memory, finished ones included
    # (environment/retention.py); per owner as well (None: no bound of its own).
    max_memory_bytes: int = Field(default=1024 * MIB, ge=1, le=MAX_MEMORY_BYTES)
    max_memory_per_owner: int | None = Field(default=256 * MIB, ge=1, le=MAX_MEMORY_BYTES)

    # Project episodes (environment/projects.py): the directories whose projects may be opened (none:
    # open_project is refused), what a copy may hold, and a project's budget and test time limits.
    project_roots: tuple[Path, ...] = Field(default=(), description="directories whose projects open_project may copy")
    project_limits: ProjectLimits = Field(default_factory=ProjectLimits)
    project_max_steps: int = Field(default=100, ge=1, le=1000, description="a project episode's step budget when open_project names none")
    project_test_timeout_s: float = Field(default=30.0, gt=0, le=600, description="wall time per test of a project")
    project_run_timeout_s: float = Field(default=120.0, gt=0, le=3600, description="wall time of one run of a project's tests")

    def episode_limits(self) -> EpisodeLimits:
        return EpisodeLimits(
            max_file_chars=self.max_file_chars,
            max_file_lines=self.max_file_lines,
            max_workspace_chars=self.max_workspace_chars,
            max_undo_bytes=self.max_undo_bytes,
            max_steps=self.max_steps_limit,
        )
