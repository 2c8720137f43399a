"""The sandbox contract: what the episode layer asks of any backend, in pydantic models.

A `Sandbox` is a disposable executor bound to one episode. Each `run` writes the given files
into a clean workspace and runs pytest or a snippet there; nothing survives between runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field

Outcome = Literal["passed", "failed", "error", "skipped", "timeout"]
EventCallback = Callable[[dict[str, Any]], Awaitable[None]]


class SandboxError(Exception):
    """The sandbox itself failed (not the agent's code): the episode cannot go on in it."""


class Limits(BaseModel):
    """Resource caps applied to every run's process tree."""

    memory_mb: int = Field(default=1024, ge=32, description="address space per run process (RLIMIT_AS)")
    nproc: int | None = Field(default=None, ge=1, description="processes (RLIMIT_NPROC; containers use the pids cgroup instead)")
    fsize_mb: int = Field(default=64, ge=1, description="largest file a run may write")
    cpu_s: int | None = Field(default=None, ge=1, description="CPU seconds per run process")


class RunRequest(BaseModel):
    kind: Literal["pytest", "python"]
    files: dict[str, str]
    targets: list[str] = []
    keyword: str | None = None  # pytest's -k expression (visible runs restricted by run_tests' `tests`)
    verbose: bool = False  # passing tests' captured output too
    code: str = ""
    timeout_s: float = 30.0
    test_timeout_s: float = 5.0
    max_output_bytes: int = 16_000
    limits: Limits = Limits()
    # The run carries hidden tests: the runner keeps nothing of it and serves no run after it.
    scoring: bool = False


class Frame(BaseModel):
    path: str
    line: int
    function: str = ""


class TestResult(BaseModel):
    nodeid: str
    outcome: Outcome
    duration: float | None = None
    message: str | None = None
    longrepr: str | None = None
    frames: list[Frame] | None = None
    params: dict[str, str] | None = None  # a parametrized test's arguments, each repr bounded
    captured: str | None = None  # what the test printed, per section; passing tests' only if verbose


class CollectError(BaseModel):
    nodeid: str
    longrepr: str = ""
    frames: list[Frame] | None = None


class SnippetException(BaseModel):
    type: str
    message: str = ""
    traceback: str = ""
    frames: list[Frame] | None = None


class RunResult(BaseModel):
    kind: Literal["pytest", "python"]
    status: Literal["ok", "timeout", "crashed"]
    timed_out: bool = False
    tampered: bool = False  # the runner caught the run rewiring pytest or its tests: every result is void
    collected: list[str] | None = None
    tests: list[TestResult] = []
    not_run: list[str] = []
    collect_errors: list[CollectError] = []
    exception: SnippetException | None = None
    exit_code: int | None = None
    signal: int | None = None
    stdout: str = ""
    stdout_dropped_bytes: int = 0
    stderr: str = ""
    stderr_dropped_bytes: int = 0
    duration_s: float = 0.0
    output_cut: str | None = None  # the runner cut the result to its size limit, and says what went


@runtime_checkable
class Sandbox(Protocol):
    """One episode's executor."""

    backend: str  # "docker" | "local"
    isolation: str  # "container" | "process"

    async def run(self, request: RunRequest, on_event: EventCallback | None = None) -> RunResult: ...

    async def close(self, *, reuse: bool = False) -> None:
        """The episode is done with this sandbox. reuse: its last run ended normally, so the provider
        may hand it to a later episode if it proves as clean as a new one; else it is destroyed."""


@runtime_checkable
class SandboxProvider(Protocol):
    """Makes sandboxes for episodes and owns whatever they share (an engine client, a pool)."""

    backend: str

    async def start(self) -> None:
        """Get ready to serve (check the engine and image, clean up after dead servers)."""

    async def run_background(self) -> None:
        """Background upkeep (e.g. refilling a warm pool) until cancelled."""

    async def acquire(self, episode_id: str) -> Sandbox: ...

    def status(self) -> dict[str, Any]: ...

    async def aclose(self) -> None: ...
