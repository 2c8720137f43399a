"""What each task's original code does, measured once per task content and cached: the baseline
that scoring and the shaped rewards start from (environment/scoring.py).

The measurement runs the visible tests and then the hidden tests (a scoring run) on the original
files, in a sandbox of its own: never an agent's (hidden tests reach an episode's sandbox only at
its submit). It starts in the background when an episode of the task starts, so a pool-hit
start_task is not slowed; the episode awaits it only when it first needs it (a full run_tests or
the submit). Concurrent askers share one measurement; a failed one is retried by the next asker.

Results live in memory (shared by the services of a process), keyed by the task's content digest,
and, when the service has a cache directory, on disk as one JSON file per digest, so that `debugbox tasks check` or an earlier server
measured them for every later one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
from anyio.abc import TaskGroup
from pydantic import ValidationError

import sandbox

from environment import runs
from environment.scoring import Baseline, count, passing
from environment.settings import ServiceSettings
from sandbox.base import SandboxError, SandboxProvider
from tasks.model import Task

log = logging.getLogger(__name__)

CACHE_FORMAT = 2  # bump when Baseline or how it is measured changes: older files are then ignored
MEASURE_ATTEMPTS = 2
# A baseline is what the original does *as this runner runs it*: a server with another runner (an
# upgrade, a fix in how tests are collected) may count the same tests differently, so the files on
# disk are kept per runner, and an upgrade measures again instead of trusting a stale result.
RUNNER_DIGEST = hashlib.sha256((Path(sandbox.__file__).resolve().parent / "runner.py").read_bytes()).hexdigest()[:16]

Measure = Callable[[Task], Awaitable[Baseline]]


# What every service of this process measured, by task content digest: a fact of the task's content,
# so a service started later (or next to it, as in the tests) need not measure it again.
MEASURED: dict[str, Baseline] = {}


class BaselineCache:
    def __init__(self, directory: Path | None = None, known: dict[str, Baseline] | None = None):
        self.directory = directory
        self._known = MEASURED if known is None else known
        self._pending: dict[str, anyio.Event] = {}
        self._failures: dict[str, BaseException] = {}
        self._background: TaskGroup | None = None

    def attach(self, task_group: TaskGroup | None) -> None:
        """Measurements started from now on run in `task_group` (the service's background), so a
        caller that goes away does not cancel one that others wait for."""
        self._background = task_group

    def known(self, task: Task) -> Baseline | None:
        return self._known.get(task.content_digest)

    def prefetch(self, task: Task, measure: Measure) -> None:
        """Start measuring in the background if nobody has (no-op without a background)."""
        key = task.content_digest
        if key not in self._known and key not in self._pending and self._background is not None:
            self._start(task, measure)

    async def get(self, task: Task, measure: Measure) -> Baseline:
        key = task.content_digest
        while key not in self._known:
            event = self._pending.get(key)
            if event is None:
                event = self._start(task, measure)
                if self._background is None:  # measured by this caller, whom the others wait for
                    await self._measure(task, measure)
            await event.wait()
            failure = self._failures.pop(key, None)
            if failure is not None and key not in self._known:
                raise failure
        return self._known[key]

    def _start(self, task: Task, measure: Measure) -> anyio.Event:
        event = self._pending[task.content_digest] = anyio.Event()
        if self._background is not None:
            self._background.start_soon(self._measure, task, measure)
        return event

    async def _measure(self, task: Task, measure: Measure) -> None:
        key = task.content_digest
        try:
            baseline = await self._read(key)
            if baseline is None:
                baseline = await measure(task)
                log.info("task %s: original passes %d/%d visible and %d/%d hidden tests (measured once)",
                         task.id, baseline.visible_passed, baseline.visible_total, len(baseline.hidden_passing), baseline.hidden_total)
                await self._write(key, baseline)
            self._known[key] = baseline
        except Exception as exc:  # noqa: BLE001 - handed to whoever waits; the next asker measures again
            log.warning("task %s: measuring the original failed: %s", task.id, exc)
            self._failures[key] = exc
        finally:
            self._pending.pop(key).set()

    # -- on disk ---------------------------------------------------------------------------

    def _path(self, key: str) -> Path | None:
        return None if self.directory is None else self.directory / f"{key}-runner-{RUNNER_DIGEST}.json"

    async def _read(self, key: str) -> Baseline | None:
        path = self._path(key)
        if path is None:
            return None
        try:
            data = json.loads(await anyio.Path(path).read_text(encoding="utf-8"))
            if data.get("format") != CACHE_FORMAT:
                return None
            return Baseline.model_validate(data["baseline"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError, ValidationError):
            return None  # absent, unreadable or from another version: measure again

    async def _write(self, key: str, baseline: Baseline) -> None:
        path = self._path(key)
        if path is None:
            return
        text = json.dumps({"format": CACHE_FORMAT, "baseline": baseline.model_dump()})
        try:
            await anyio.to_thread.run_sync(_write_atomically, path, text)
        except OSError as exc:
            log.warning("could not cache a task baseline in %s: %s", path.parent, exc)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".baseline-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def measurer(provider: SandboxProvider, settings: ServiceSettings) -> Measure:
    """Measures a task's original in a sandbox of its own: visible tests, then hidden tests."""

    async def measure(task: Task) -> Baseline:
        visible_request, hidden_request = runs.original_requests(task, settings)
        for attempt in range(1, MEASURE_ATTEMPTS + 1):
            sandbox = await provider.acquire("baseline_" + secrets.token_urlsafe(12), environment=task.environment)
            clean = False
            try:
                visible = await sandbox.run(visible_request)
                hidden = await sandbox.run(hidden_request)
                clean = True
            except SandboxError:
                if attempt == MEASURE_ATTEMPTS:
                    raise
                continue
            finally:
                with anyio.CancelScope(shield=True):
                    await sandbox.close(reuse=clean)
            visible_counts = count(visible, task.visible_test_count)
            hidden_counts = count(hidden, task.hidden_test_count)
            return Baseline(
                visible_passed=visible_counts.passed,
                visible_total=visible_counts.total,
                hidden_passing=sorted(passing(hidden)),
                hidden_total=hidden_counts.total,
                visible_collected=visible.collected or [t.nodeid for t in visible.tests],
                hidden_collected=hidden.collected or [t.nodeid for t in hidden.tests],
            )
        raise AssertionError("unreachable")

    return measure
