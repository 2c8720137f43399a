"""`debugbox tasks check`: prove each task valid by playing real episodes over MCP.

The checker is a client like any other: it reaches the server only through an MCP client. Which
server, and how it is started, is the caller's choice, passed in as a `Connector` (the command
line starts debugbox's own server in-process; see `cli/tasks.py`). The checker hands the connector
the tasks and a recording sandbox provider to serve them with, so the verdict can read the raw runs
behind each tool result (`recording.py`). For every task, `runs` times, it plays the original and
the solution (`play.py`); the verdict rules are in `verdict.py`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio

from harness.checker.play import PROBE_TIMEOUT_S, CheckFailed, play_original, play_solution
from harness.checker.recording import RecordingProvider
from harness.checker.verdict import Played, TaskVerdict, judge
from tasks.loader import Catalog, TaskLoadError
from tasks.model import Task

log = logging.getLogger(__name__)

# Given the tasks to serve and the sandbox provider to serve them with, a connector runs a server
# for as long as the context is open and yields what `mcp.Client(...)` connects to (a server object
# for an in-process transport, or a URL).
Connector = Callable[[Catalog, RecordingProvider], AbstractAsyncContextManager[Any]]


@dataclass(frozen=True)
class CheckOptions:
    backend: str = "auto"  # auto | docker | local
    runs: int = 3
    concurrency: int = 2
    time_margin: float = 0.5  # a solution's test may use at most this fraction of its time limit
    docker_settings: Any = None  # sandbox.docker.provider.DockerSettings; default: a pool as wide as the concurrency


@dataclass
class CheckReport:
    backend: str
    verdicts: list[TaskVerdict]
    load_errors: list[TaskLoadError] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.load_errors and all(v.valid for v in self.verdicts)


def task_budget_s(task: Task, runs: int) -> float:
    """Wall time after which a task's check gives up: every run at its limit, plus slack."""
    return runs * 2 * (2 * task.spec.run_timeout_s + 30) + PROBE_TIMEOUT_S + 60


async def check_task(server: Any, task: Task, recorder: RecordingProvider, options: CheckOptions) -> TaskVerdict:
    """Play one task's episodes on `server` (whatever the connector yielded) and judge them."""
    from mcp import Client

    started = time.monotonic()
    originals: list[Played] = []
    solutions: list[Played] = []
    findings: list[str] = []
    failure = None
    with anyio.move_on_after(task_budget_s(task, options.runs)) as scope:
        try:
            async with Client(server) as client:
                for run in range(options.runs):
                    played, found = await play_original(client, task, recorder, probe=run == 0)
                    originals.append(played)
                    findings += found
                    solutions.append(await play_solution(client, task, recorder))
        except Exception as exc:  # noqa: BLE001 - one broken task must not stop the check of the others
            reason = _check_failed(exc)  # the client's task groups may wrap it
            if reason is not None:
                failure = str(reason)
            else:
                log.exception("checking %s failed", task.id)
                failure = f"the check itself failed: {exc!r}"
    if scope.cancelled_caught:
        failure = f"the check did not finish within {task_budget_s(task, options.runs):.0f} s"
    verdict = judge(task, originals, solutions, findings, options.time_margin, failure)
    verdict.elapsed_s = round(time.monotonic() - started, 2)
    log.info("%s: %s (%.1f s)%s", task.id, "valid" if verdict.valid else "INVALID", verdict.elapsed_s, "".join(f"\n  - {r}" for r in verdict.reasons))
    return verdict


def _check_failed(exc: BaseException) -> CheckFailed | None:
    if isinstance(exc, CheckFailed):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        return next((found for inner in exc.exceptions if (found := _check_failed(inner)) is not None), None)
    return None


def _provider(options: CheckOptions):
    # Imported here: the Docker backend pulls in the Docker SDK, which a local check never needs.
    from sandbox.factory import make_provider

    settings = options.docker_settings
    if settings is None and options.backend != "local":
        from sandbox.docker.provider import DockerSettings

        settings = DockerSettings(pool_size=max(1, min(options.concurrency, 16)))
    return make_provider(options.backend, settings)  # type: ignore[arg-type]


async def check_tasks(tasks: list[Task], options: CheckOptions, connect: Connector, load_errors: list[TaskLoadError] | None = None) -> CheckReport:
    """Check loaded tasks concurrently (at most `options.concurrency` at once) on one server."""
    if options.runs < 1 or options.concurrency < 1 or not 0 < options.time_margin <= 1:
        raise ValueError("runs and concurrency must be at least 1, and time_margin in (0, 1]")
    started = time.monotonic()
    catalog = Catalog(tasks={t.id: t for t in tasks})
    recorder = RecordingProvider(_provider(options))
    verdicts: dict[str, TaskVerdict] = {}
    limiter = anyio.CapacityLimiter(options.concurrency)

    async def one(server: Any, task: Task) -> None:
        async with limiter:
            verdicts[task.id] = await check_task(server, task, recorder, options)

    async with connect(catalog, recorder) as server, anyio.create_task_group() as tg:
        for task in tasks:
            tg.start_soon(one, server, task)
    return CheckReport(
        backend=recorder.backend,
        verdicts=[verdicts[t.id] for t in tasks],
        load_errors=list(load_errors or []),
        elapsed_s=round(time.monotonic() - started, 2),
    )


def load_for_check(paths: list[Path]) -> tuple[list[Task], list[TaskLoadError]]:
    """The tasks under the given packs (or single task directories), and why others were refused."""
    catalog = Catalog()
    for path in paths:
        catalog.add_pack(path)
    return list(catalog.tasks.values()), list(catalog.errors)


async def check_paths(paths: list[Path], options: CheckOptions, connect: Connector) -> CheckReport:
    tasks, errors = load_for_check(paths)
    return await check_tasks(tasks, options, connect, errors)
