"""The sandbox contract: what the episode layer asks of any backend, in pydantic models.

A `Sandbox` is a disposable executor bound to one episode. Each `run` writes the given files
into a clean workspace and runs pytest or a snippet there; nothing survives between runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from sandbox.environment_request import EnvironmentRequest

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
    kind: Literal["pytest", "python", "trace"]  # trace: the target (targets, else code) with trace_function traced
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
    trace_function: str = ""
    # A repository-shaped task's [tests]: pytest's root inside the workspace, its extra options, a -m expression.
    root: str = "."
    pytest_args: list[str] = []
    markers: str | None = None
    # Third-party modules the runner may import once, in its pristine process, so runs start warm.
    preload: list[str] = []


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


class TraceStep(BaseModel):
    """One executed line and the values it changed, or (repeats_of) a line's later executions in a
    loop, summarised: how many more times it ran, and the last values it set."""

    line: int | None = None
    changed: dict[str, str] = {}
    repeats_of: int | None = None
    more: int = 0
    last_changed: dict[str, str] = {}


class TraceCall(BaseModel):
    args: dict[str, str] = {}
    steps: list[TraceStep] = []
    counts: dict[str, int] = {}  # line number -> executions in this call
    returned: str | None = None
    raised: str | None = None


class Trace(BaseModel):
    function: str
    path: str | None = None
    calls: list[TraceCall] = []
    calls_total: int = 0
    truncated: bool = False


class RunResult(BaseModel):
    kind: Literal["pytest", "python", "trace"]
    status: Literal["ok", "timeout", "crashed"]
    timed_out: bool = False
    tampered: bool = False  # the runner caught the run rewiring pytest or its tests: every result is void
    collected: list[str] | None = None
    tests: list[TestResult] = []
    not_run: list[str] = []
    collect_errors: list[CollectError] = []
    exception: SnippetException | None = None
    trace: Trace | None = None
    exit_code: int | None = None
    signal: int | None = None
    stdout: str = ""
    stdout_dropped_bytes: int = 0
    stderr: str = ""
    stderr_dropped_bytes: int = 0
    duration_s: float = 0.0
    output_cut: str | None = None  # the runner cut the result to its size limit, and says what went


class Breakpoint(BaseModel):
    path: str
    line: int
    condition: str | None = None


class DebugStartRequest(BaseModel):
    """A pdb session on a visible test (node id or file) or a snippet, with the episode's files."""

    files: dict[str, str]
    test: str | None = None
    code: str | None = None
    breakpoints: list[Breakpoint] = []
    timeout_s: float = 600.0  # the session's wall-time cap
    start_timeout_s: float = 30.0  # to the first stop
    command_timeout_s: float = 10.0  # per command, then the program is interrupted
    max_output_bytes: int = 16_000
    limits: Limits = Limits()
    root: str = "."  # the task's [tests], as for a run
    pytest_args: list[str] = []
    markers: str | None = None


class DebugLocation(BaseModel):
    path: str
    line: int
    function: str = ""


class DebugStop(BaseModel):
    reason: str  # start, breakpoint, step, call, return, exception, post-mortem, interrupted
    location: DebugLocation
    source: str = ""  # numbered lines around it, the current one marked ->
    locals: dict[str, str] = {}  # name -> repr, each and all capped
    locals_cut: int = 0
    changed: dict[str, str] | None = None  # since the previous stop in the same frame; None: a new frame
    depth: int = 0


class DebugAnswer(BaseModel):
    state: Literal["stopped", "ended", "none"]  # none: no session was live
    stop: DebugStop | None = None
    output: str = ""  # what pdb printed
    program_output: str = ""  # what the program printed meanwhile (head and tail kept)
    program_output_dropped_bytes: int = 0
    refused: str | None = None
    breakpoints: list[Breakpoint] | None = None  # the session's breakpoints after the command
    warnings: list[str] = []
    interrupted: bool = False
    ended: str | None = None  # why the session ended
    duration_s: float = 0.0


@runtime_checkable
class Sandbox(Protocol):
    """One episode's executor."""

    backend: str  # "docker" | "local"
    isolation: str  # "container" | "process"

    async def run(self, request: RunRequest, on_event: EventCallback | None = None) -> RunResult: ...

    async def debug_start(self, request: DebugStartRequest) -> DebugAnswer:
        """End any live session, start one, and answer with its first stop (or its end)."""

    async def debug_command(self, command: str, timeout_s: float | None = None) -> DebugAnswer: ...

    async def debug_stop(self) -> DebugAnswer: ...

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

    async def acquire(self, episode_id: str, environment: EnvironmentRequest | None = None) -> Sandbox:
        """A sandbox for the episode. `environment`: packages it must have besides pytest (built
        once per distinct request from host-downloaded wheels, then reused); None: the plain
        sandbox. Raises EnvironmentBuildError when they cannot be installed, SandboxError when
        the backend fails."""

    def status(self) -> dict[str, Any]: ...

    async def aclose(self) -> None: ...
