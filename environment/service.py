"""The episode service: episodes by id, each with its sandbox; every tool's behaviour.

It joins the pure engine (Episode, scoring) to a SandboxProvider. It knows nothing of MCP:
the server module maps its results and DebugboxErrors onto tools.
"""

from __future__ import annotations

import logging
import secrets
import time
from contextvars import ContextVar
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio

from environment import results as r
from environment import scoring, views
from environment import retention
from environment.episode import MAX_CODE_CHARS, Episode, check_text
from environment.errors import BadArgument, CapacityReached, SubmitFailed, UnknownEpisode, UnknownTask, quoted
from environment.offload import Offload
from environment.settings import ServiceSettings
from sandbox.base import Frame, RunRequest, RunResult, Sandbox, SandboxError, SandboxProvider, TestResult
from tasks.loader import Catalog
from tasks.model import count_tests

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int, str], Awaitable[None]]
CLOSE_BUDGET_S = 10.0  # shutdown waits this long for sandboxes to close, then leaves them to the provider

# Who is calling, set by the transport layer for each call ("local" when there is no login).
# An episode answers only to the caller that started it, as if any other did not know its id.
current_owner: ContextVar[str] = ContextVar("debugbox_owner", default="local")


@dataclass
class EpisodeHandle:
    episode: Episode
    sandbox: Sandbox | None
    owner: str = "local"
    lock: anyio.Lock = field(default_factory=anyio.Lock)
    last_used: float = field(default_factory=time.monotonic)


class DebugService:
    def __init__(self, catalog: Catalog, provider: SandboxProvider, settings: ServiceSettings | None = None):
        self.catalog = catalog
        self.provider = provider
        self.settings = settings or ServiceSettings()
        self.episode_limits = self.settings.episode_limits()
        self.offload = Offload()
        self.memory = retention.MemoryBounds(self.settings.max_memory_bytes, self.settings.max_memory_per_owner)
        self._handles: dict[str, EpisodeHandle] = {}
        self._starting: dict[str, int] = {}
        self.closing = False

    # -- catalog -------------------------------------------------------------------------

    def list_tasks(self, difficulty: str | None = None, tag: str | None = None) -> r.TaskList:
        if difficulty is not None and difficulty not in ("easy", "medium", "hard"):
            raise BadArgument(f"difficulty must be easy, medium or hard, not {quoted(difficulty)}.")
        entries = [
            r.TaskEntry(task_id=t.id, title=t.spec.title, difficulty=t.spec.difficulty.value, tags=list(t.spec.tags), kind=t.spec.kind.value)
            for t in self.catalog.select(difficulty, tag)
        ]
        return r.TaskList(tasks=entries, count=len(entries))

    def episode(self, episode_id: str) -> Episode:
        return self._handle(episode_id).episode

    def _handle(self, episode_id: str) -> EpisodeHandle:
        handle = self._handles.get(episode_id)
        if handle is None or handle.owner != current_owner.get():
            raise UnknownEpisode(f"No episode {quoted(episode_id)}. Call start_task to begin one (it returns the episode_id).")
        return handle

    def episode_ids(self) -> list[str]:
        return list(self._handles)

    # -- lifecycle -----------------------------------------------------------------------

    async def start_task(self, task_id: str, max_steps: int | None = None) -> r.StartTaskResult:
        task = self.catalog.get(task_id)
        if task is None:
            raise UnknownTask(f"No task {quoted(task_id)} (task_id). Call list_tasks to see the available task ids.")
        if self.closing:
            raise CapacityReached("The server is shutting down and starts no new episodes.")
        owner = current_owner.get()
        live = [h.owner for h in self._handles.values() if not h.episode.done]
        live += [o for o, n in self._starting.items() for _ in range(n)]
        if len(live) >= self.settings.max_episodes:
            raise CapacityReached(
                f"This server already runs {len(live)} episodes, its limit. Submit an episode you no longer need and retry."
            )
        per_owner = self.settings.max_episodes_per_owner
        if per_owner is not None and live.count(owner) >= per_owner:
            raise CapacityReached(
                f"You already run {per_owner} episodes, the limit per token. Submit one you no longer need and retry."
            )
        episode_id = "ep_" + secrets.token_urlsafe(16)
        episode = Episode.create(episode_id, task, max_steps, self.episode_limits)
        self.memory.admit(self._handles, owner)
        self._starting[owner] = self._starting.get(owner, 0) + 1
        try:
            sandbox = await self.provider.acquire(episode_id)
        finally:
            self._starting[owner] -= 1
        self._handles[episode_id] = EpisodeHandle(episode, sandbox, owner=owner)
        readable = episode.readable_files()
        main, files = await self.offload.cpu(sum(map(len, readable.values())), self._first_look, episode, readable)
        return r.StartTaskResult(
            **self._status(episode),
            task_id=task.id,
            title=task.spec.title,
            difficulty=task.spec.difficulty.value,
            kind=task.spec.kind.value,
            description=task.description,
            main_file=task.spec.main_file,
            files=files,
            code=main.code,
            max_steps=episode.max_steps,
            sandbox=r.SandboxInfo(backend=sandbox.backend, isolation=sandbox.isolation),
        )

    def _first_look(self, episode: Episode, readable: dict[str, str]) -> tuple:
        files = [r.FileInfo(path=p, role=self._role(episode, p), lines=len(views.split_lines(t))) for p, t in sorted(readable.items())]
        return episode.view(None, None, None), files

    async def close_episode(self, episode_id: str, reason: str = "server_shutdown") -> None:
        handle = self._handles.get(episode_id)
        if handle is None:
            return
        if not handle.episode.done:
            handle.episode.end_without_score(reason)  # type: ignore[arg-type]
        await self._release(handle)

    async def run_background(self) -> None:
        """End idle episodes and forget long-finished ones, until cancelled."""
        while True:
            await anyio.sleep(self.settings.sweep_interval_s)
            await self.sweep()

    async def sweep(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        for episode_id, handle in list(self._handles.items()):
            idle = now - handle.last_used
            if not handle.episode.done and idle > self.settings.idle_timeout_s and not handle.lock.locked():
                log.info("episode %s idle for %.0f s: ending it", episode_id, idle)
                await self.close_episode(episode_id, "idle_timeout")
            elif handle.episode.done and idle > self.settings.keep_finished_s:
                del self._handles[episode_id]
        self.memory.trim(self._handles)

    def status(self) -> dict:
        live = [h for h in self._handles.values() if not h.episode.done]
        holdings = retention.holdings(self._handles)
        return {
            "episodes_live": len(live),
            "episodes_finished": len(self._handles) - len(live),
            "max_episodes": self.settings.max_episodes,
            "memory": {
                "episodes_bytes": sum(h.nbytes for h in holdings),
                "live_bytes": sum(h.nbytes for h in holdings if h.live),
                "bound_bytes": self.settings.max_memory_bytes,
                "syntax_checks": self.offload.syntax.checks,
                "syntax_unchecked": self.offload.syntax.unchecked,
            },
            "sandbox": self.provider.status(),
        }

    async def drain(self, grace_s: float) -> None:
        """Start no more episodes, and give the calls in flight up to grace_s to finish."""
        self.closing = True
        with anyio.move_on_after(grace_s):
            # An episode's lock is held exactly while one of its tool calls runs.
            while any(handle.lock.locked() for handle in self._handles.values()):
                await anyio.sleep(0.05)

    async def aclose(self) -> None:
        """End every episode and close their sandboxes at once, within CLOSE_BUDGET_S: a sandbox
        whose backend does not answer in time is the provider's to remove when it closes."""
        self.closing = True
        with anyio.CancelScope(shield=True), anyio.move_on_after(CLOSE_BUDGET_S):
            async with anyio.create_task_group() as tg:
                for episode_id in list(self._handles):
                    tg.start_soon(self.close_episode, episode_id)
            await self.offload.aclose()

    # -- tools ---------------------------------------------------------------------------

    async def view_code(self, episode_id: str, path: str | None, start_line: int | None, end_line: int | None) -> r.ViewCodeResult:
        async with self._active(episode_id) as handle:
            ep = handle.episode
            size = len(ep.readable_files().get(path or ep.task.spec.main_file, ""))
            view = await self.offload.cpu(size, ep.view, path, start_line, end_line)
            ep.charge("view_code", f"{view.path}:{view.start_line}-{view.end_line}")
            return r.ViewCodeResult(**await self._after_step(handle), **view.model_dump())

    async def replace_lines(self, episode_id: str, start_line: int, end_line: int, new_code: str, path: str | None) -> r.ReplaceLinesResult:
        async with self._active(episode_id) as handle:
            ep = handle.episode
            # Planning reads the episode only (its lock keeps it still); a large file is planned in a thread.
            size = len(ep.files.get(path or ep.task.spec.main_file, "")) + len(new_code)
            plan = await self.offload.cpu(size, ep.plan_replace, path, start_line, end_line, new_code)
            self.memory.make_room(self._handles, handle.owner, plan.growth)
            edit = ep.apply(plan)
            text = ep.files[edit.path]
            ep.charge("replace_lines", f"{edit.path}:{start_line}-{end_line}")
            status = await self._after_step(handle)
            shown = await self.offload.edit_feedback(edit, text)
            return r.ReplaceLinesResult(
                **status,
                path=edit.path,
                start_line=edit.start_line,
                end_line=edit.end_line,
                lines_total=edit.lines_total,
                diff=shown.diff,
                window=shown.window,
                syntax_ok=shown.syntax.issue is None and shown.syntax.unchecked is None,
                syntax_error=shown.syntax.issue,
                syntax_unchecked=shown.syntax.unchecked,
            )

    async def run_tests(self, episode_id: str, progress: ProgressCallback | None = None) -> r.RunTestsResult:
        async with self._active(episode_id) as handle:
            ep = handle.episode
            spec = ep.task.spec
            request = RunRequest(
                kind="pytest",
                files=ep.workspace_files(),
                targets=sorted(ep.task.test_files),
                timeout_s=spec.run_timeout_s,
                test_timeout_s=spec.test_timeout_s,
                max_output_bytes=self.settings.max_output_bytes,
                limits=self.settings.limits,
            )
            result = await self._run(handle, request, self._progress_relay(progress))
            counts = scoring.count(result, count_tests(ep.task.test_files))
            reward = ep.record_visible_run(counts.fraction)
            ep.charge("run_tests", f"{counts.passed}/{counts.total} passed", reward)
            failures = [self._test_report(ep, t) for t in result.tests if t.outcome not in ("passed", "skipped")]
            failures += [r.TestReport(test=n, outcome="not run", message="the run ended before this test finished") for n in result.not_run]
            return r.RunTestsResult(
                **await self._after_step(handle),
                summary=f"Tests Passed: {counts.passed}/{counts.total}",
                passed=counts.passed,
                failed=counts.failed,
                errors=counts.errors,
                timed_out=counts.timed_out,
                skipped=counts.skipped,
                not_run=counts.not_run,
                total=counts.total,
                status=result.status,
                failures=failures,
                collection_errors=[self._located(ep, e.nodeid, "collection error", "", e.longrepr, e.frames) for e in result.collect_errors],
                passing=[t.nodeid for t in result.tests if t.outcome == "passed"],
                output_tail=result.stdout,
                output_truncated=result.stdout_dropped_bytes > 0 or result.output_cut is not None,
                duration_s=result.duration_s,
            )

    async def run_python(self, episode_id: str, code: str, timeout_s: float | None) -> r.RunPythonResult:
        code = check_text("code", code, MAX_CODE_CHARS)
        limit = self.settings.max_python_timeout_s
        if timeout_s is not None and not 0 < timeout_s <= limit:
            raise BadArgument(f"timeout_s must be more than 0 and at most {limit:g} seconds, got {timeout_s}.")
        async with self._active(episode_id) as handle:
            ep = handle.episode
            request = RunRequest(
                kind="python",
                files=ep.workspace_files(),
                code=code,
                timeout_s=timeout_s or self.settings.python_timeout_s,
                max_output_bytes=self.settings.max_output_bytes,
                limits=self.settings.limits,
            )
            result = await self._run(handle, request)
            ep.charge("run_python", code.strip().splitlines()[0][:80] if code.strip() else "(empty)")
            exc = result.exception
            located = self._located(ep, "", "", "", "", exc.frames) if exc else None
            return r.RunPythonResult(
                **await self._after_step(handle),
                stdout=result.stdout,
                stderr=result.stderr,
                exception=f"{exc.type}: {exc.message}" if exc else None,
                traceback=exc.traceback if exc else None,
                location=located.location if located else None,
                context=located.context if located else None,
                exit_code=result.exit_code,
                killed_by_signal=result.signal,
                timed_out=result.timed_out,
                output_truncated=result.stdout_dropped_bytes > 0 or result.stderr_dropped_bytes > 0 or result.output_cut is not None,
                duration_s=result.duration_s,
            )

    async def undo(self, episode_id: str) -> r.UndoResult:
        async with self._active(episode_id) as handle:
            label, changes = handle.episode.undo()
            handle.episode.charge("undo", label)
            status = await self._after_step(handle)
            return r.UndoResult(**status, undone=label, diff=await self.offload.render(changes))

    async def reset_code(self, episode_id: str) -> r.ResetResult:
        async with self._active(episode_id) as handle:
            changes = handle.episode.reset()
            handle.episode.charge("reset_code", "restore original files")
            status = await self._after_step(handle)
            return r.ResetResult(**status, changed=bool(changes), diff=await self.offload.render(changes))

    async def submit(self, episode_id: str) -> r.SubmitResult:
        async with self._active(episode_id) as handle:
            # A submit that has started is final: it runs to its end (bounded by the run's timeout)
            # and ends the episode even if its caller goes away, so that dropping the call can
            # never buy a free look at the hidden tests.
            with anyio.CancelScope(shield=True):
                submission = await self._score_or_end(handle)
                handle.episode.charge("submit", f"score {submission.score:.2f}", submission.score)
                status = self._status(handle.episode)
                await self._release(handle, reuse=True)
            return r.SubmitResult(**status, **submission.model_dump())

    # -- internals -----------------------------------------------------------------------

    @asynccontextmanager
    async def _active(self, episode_id: str) -> AsyncIterator[EpisodeHandle]:
        handle = self._handle(episode_id)
        async with handle.lock:
            handle.episode.ensure_active()
            handle.last_used = time.monotonic()
            yield handle

    async def _after_step(self, handle: EpisodeHandle) -> dict:
        """The status fields of a step's result; submits first if this step spent the budget."""
        ep = handle.episode
        submission = None
        if ep.budget_spent and not ep.done:
            with anyio.CancelScope(shield=True):  # final once started, as submit is
                submission = await self._score_or_end(handle, reason="budget_spent")
                ep.rewards[-1] = round(ep.rewards[-1] + submission.score, 6)
                ep.history[-1].reward = ep.rewards[-1]
                await self._release(handle, reuse=True)
        return {**self._status(ep), "submission": submission}

    def _status(self, ep: Episode) -> dict:
        return {"episode_id": ep.episode_id, "step": ep.step, "steps_remaining": ep.steps_remaining, "reward": ep.last_reward, "done": ep.done}

    async def _score_or_end(self, handle: EpisodeHandle, reason: str = "submitted") -> r.Submission:
        """Score, or end the episode with score 0 if the sandbox failed twice while scoring: code
        that can break its sandbox at will must not be able to retry a submit for free."""
        try:
            return await self._score(handle, reason)
        except SandboxError as exc:
            handle.episode.end_without_score("sandbox_failure")
            await self._release(handle)
            raise SubmitFailed(str(exc)) from exc

    async def _score(self, handle: EpisodeHandle, reason: str = "submitted") -> r.Submission:
        ep = handle.episode
        spec = ep.task.spec
        request = RunRequest(
            kind="pytest",
            files=ep.scoring_files(),
            targets=sorted(ep.task.hidden_test_files),
            timeout_s=spec.run_timeout_s,
            test_timeout_s=spec.test_timeout_s,
            max_output_bytes=self.settings.max_output_bytes,
            limits=self.settings.limits,
            scoring=True,
        )
        result = await self._run(handle, request)
        counts = scoring.count(result, count_tests(ep.task.hidden_test_files))
        score = ep.finish(round(counts.fraction, 6), reason)  # type: ignore[arg-type]
        return r.Submission(score=score, resolved=bool(ep.resolved), hidden_passed=counts.passed, hidden_total=counts.total, end_reason=reason)

    async def _run(self, handle: EpisodeHandle, request: RunRequest, on_event=None) -> RunResult:
        """Run in the episode's sandbox. A sandbox is disposable (the episode holds the code), so a
        broken one is replaced once before the call fails; a failed call costs no step."""
        for attempt in (1, 2):
            if handle.sandbox is None:
                handle.sandbox = await self.provider.acquire(handle.episode.episode_id)
            try:
                return await handle.sandbox.run(request, on_event)
            except anyio.get_cancelled_exc_class():
                # The caller went away mid-run (a client disconnect, a cancel notification, shutdown).
                # The runner would carry the run to its end and keep the next call waiting, so the
                # sandbox is discarded, which kills every process of the run; the next call gets a new one.
                with anyio.CancelScope(shield=True):
                    await self._release(handle)
                raise
            except SandboxError as exc:
                log.warning("episode %s: sandbox failed (%s); attempt %d", handle.episode.episode_id, exc, attempt)
                await self._release(handle)  # the sandbox may already be gone: shutdown closes it unlocked
                if attempt == 2 or handle.episode.done:
                    raise
        raise AssertionError("unreachable")

    async def _release(self, handle: EpisodeHandle, reuse: bool = False) -> None:
        """reuse: the episode ended after a complete run (a submit), so the provider may keep the
        sandbox for a later episode once it proves clean; every other end destroys it."""
        sandbox, handle.sandbox = handle.sandbox, None
        if sandbox is not None:
            await sandbox.close(reuse=reuse)

    @staticmethod
    def _progress_relay(progress: ProgressCallback | None):
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

    @staticmethod
    def _role(ep: Episode, path: str) -> str:
        if path in ep.files:
            return "editable"
        return "test" if path in ep.task.test_files else "readonly"

    def _test_report(self, ep: Episode, test: TestResult) -> r.TestReport:
        return self._located(ep, test.nodeid, test.outcome, test.message or "", test.longrepr or "", test.frames)

    @staticmethod
    def _located(ep: Episode, name: str, outcome: str, message: str, details: str, frames: list[Frame] | None) -> r.TestReport:
        # Prefer the agent's own code; failing that (a plain wrong result), the failing test line.
        readable = ep.readable_files()
        frame = scoring.deepest_frame(frames, ep.files) or scoring.deepest_frame(frames, ep.task.test_files)
        location = context = None
        if frame is not None:
            lines = views.split_lines(readable[frame.path])
            if 1 <= frame.line <= len(lines):
                location = f"{frame.path}:{frame.line}"
                context = views.window(lines, frame.line, frame.line)[2]
        return r.TestReport(test=name, outcome=outcome, message=message, details=details, location=location, context=context)
