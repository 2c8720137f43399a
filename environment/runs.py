"""Runs in an episode's sandbox: the requests (one builder for every pytest run, visible or scoring),
the run itself with one replacement of a broken sandbox, and test progress for the caller."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import anyio

from environment.episode import Episode
from environment.registry import EpisodeHandle, EpisodeRegistry
from environment.selection import Selection
from environment.settings import ServiceSettings
from sandbox.base import EventCallback, RunRequest, RunResult, SandboxError
from tasks.model import Task

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int, str], Awaitable[None]]


def pytest_request(
    ep: Episode, settings: ServiceSettings, *, scoring: bool = False, selection: Selection | None = None, verbose: bool = False
) -> RunRequest:
    """The visible tests (all, or a selection of them) against the edited files, or (scoring) every
    hidden test against only the editable files' content beside pristine sources."""
    if scoring and (selection is not None or verbose):
        raise ValueError("a scoring run runs every hidden test: it takes no selection")
    files, tests = (ep.scoring_files(), ep.task.hidden_test_files) if scoring else (ep.workspace_files(), ep.task.test_files)
    return _pytest(ep.task, files, tests, settings, scoring, selection, verbose)


def original_requests(task: Task, settings: ServiceSettings) -> tuple[RunRequest, RunRequest]:
    """The visible run and the scoring run of the task's original files (its baseline)."""
    visible = _pytest(task, {**task.source_files, **task.test_files}, task.test_files, settings, False)
    hidden = _pytest(task, {**task.source_files, **task.hidden_test_files}, task.hidden_test_files, settings, True)
    return visible, hidden


def _pytest(
    task: Task,
    files: dict[str, str],
    tests: dict[str, str],
    settings: ServiceSettings,
    scoring: bool,
    selection: Selection | None = None,
    verbose: bool = False,
) -> RunRequest:
    spec = task.spec
    return RunRequest(
        kind="pytest",
        files=files,
        targets=(selection.targets if selection is not None and selection.targets else sorted(tests)),
        keyword=selection.keyword if selection is not None else None,
        verbose=verbose,
        timeout_s=spec.run_timeout_s,
        test_timeout_s=spec.test_timeout_s,
        max_output_bytes=settings.max_output_bytes,
        limits=settings.limits,
        scoring=scoring,
        root=spec.tests.root,
        pytest_args=list(spec.tests.args),
        markers=spec.tests.markers,
        preload=list(task.third_party_modules),
    )


def python_request(ep: Episode, settings: ServiceSettings, code: str, timeout_s: float | None) -> RunRequest:
    return RunRequest(
        kind="python",
        files=ep.workspace_files(),
        code=code,
        timeout_s=timeout_s or settings.python_timeout_s,
        max_output_bytes=settings.max_output_bytes,
        limits=settings.limits,
    )


async def run(registry: EpisodeRegistry, handle: EpisodeHandle, request: RunRequest, on_event: EventCallback | None = None) -> RunResult:
    """Run in the episode's sandbox. A sandbox is disposable (the episode holds the code), so a
    broken one is replaced once before the call fails; a failed call costs no step."""
    if handle.debug_live:  # the runner ends a live session before any run (a scoring one too)
        handle.debug_live = False
        handle.debug_note = {"pytest": "tests ran in the sandbox", "trace": "a trace ran in the sandbox"}.get(request.kind, "a snippet ran in the sandbox")
    for attempt in (1, 2):
        if handle.sandbox is None:
            handle.sandbox = await registry.provider.acquire(handle.episode.episode_id, environment=handle.episode.task.environment)
        try:
            return await handle.sandbox.run(request, on_event)
        except anyio.get_cancelled_exc_class():
            # The caller went away mid-run (a client disconnect, a cancel notification, shutdown).
            # The runner would carry the run to its end and keep the next call waiting, so the
            # sandbox is discarded, which kills every process of the run; the next call gets a new one.
            with anyio.CancelScope(shield=True):
                await registry.release(handle)
            raise
        except SandboxError as exc:
            log.warning("episode %s: sandbox failed (%s); attempt %d", handle.episode.episode_id, exc, attempt)
            await registry.release(handle)  # the sandbox may already be gone: shutdown closes it unlocked
            if attempt == 2 or handle.episode.done:
                raise
    raise AssertionError("unreachable")


def progress_relay(progress: ProgressCallback | None) -> EventCallback | None:
    """The runner's test events as (done, total, message) progress."""
    if progress is None:
        return None
    state = {"total": 0, "done": 0}

    async def on_event(event: dict) -> None:
        if event.get("event") == "collected":
            state["total"] = len(event.get("nodeids") or [])
        elif event.get("event") == "test":
            state["done"] += 1
            await progress(state["done"], max(state["total"], state["done"]), f"{event.get('outcome')} {event.get('nodeid')}")

    return on_event
