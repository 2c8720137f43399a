"""The episode service: every tool's behaviour, over the episodes of a registry and their sandboxes.

It joins the pure engine (Episode, scoring) to a SandboxProvider. It knows nothing of any protocol:
a front end maps its results and DebugboxErrors onto its own, and names the caller (`owner`) on
every call that touches an episode.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio

from environment import navigation as nav
from environment import reports, runs, scoring, selection, trajectory, views
from environment import results as r
from environment import run_results as rr
from environment.baselines import BaselineCache, measurer
from environment.debugging import DebuggerTools
from environment.projects import ProjectTools, project_selection
from environment.diffs import FileChange
from environment.episode import MAX_CODE_CHARS, EndReason, Episode, check_text
from environment.errors import BadArgument, NoChange, SubmitFailed, TaskUnavailable, UnknownTask, quoted
from environment.offload import Offload
from environment.recording import recorded
from environment.registry import EpisodeHandle, EpisodeRegistry
from environment.runs import ProgressCallback
from environment.settings import ServiceSettings
from sandbox.base import SandboxError, SandboxProvider
from sandbox.environment_request import EnvironmentBuildError
from tasks.loader import Catalog
from tasks.model import DIFFICULTIES, DIFFICULTIES_IN_WORDS, Task

CLOSE_BUDGET_S = 10.0  # shutdown waits this long for sandboxes to close, then leaves them to the provider


class DebugService(ProjectTools, DebuggerTools):
    def __init__(self, catalog: Catalog, provider: SandboxProvider, settings: ServiceSettings | None = None, baselines: BaselineCache | None = None):
        self.catalog = catalog
        self.provider = provider
        self.settings = settings or ServiceSettings()
        self.episode_limits = self.settings.episode_limits()
        self.offload = Offload()
        self.registry = EpisodeRegistry(provider, self.settings)
        self.baselines = baselines or BaselineCache(self.settings.baseline_cache_dir)
        self._measure = measurer(provider, self.settings)

    # -- catalog and state ---------------------------------------------------------------

    def list_tasks(self, difficulty: str | None = None, tag: str | None = None) -> r.TaskList:
        if difficulty is not None and difficulty not in DIFFICULTIES:
            raise BadArgument(f"difficulty must be {DIFFICULTIES_IN_WORDS}, not {quoted(difficulty)}.")
        entries = [
            r.TaskEntry(task_id=t.id, title=t.spec.title, difficulty=t.spec.difficulty.value, tags=list(t.spec.tags), kind=t.spec.kind.value)
            for t in self.catalog.select(difficulty, tag)
        ]
        return r.TaskList(tasks=entries, count=len(entries))

    def episode(self, episode_id: str, *, owner: str) -> Episode:
        return self.registry.get(episode_id, owner).episode

    async def trajectory(self, episode_id: str, *, owner: str) -> dict:
        """The episode as ATIF JSON: what the agent was shown, and the final diff once it is over."""
        ep = self.episode(episode_id, owner=owner)
        final_diff = None
        if ep.done:
            changes = [FileChange(p, ep.originals[p], text) for p, text in sorted(ep.files.items()) if text != ep.originals[p]]
            final_diff = await self.offload.render(changes) if changes else ""
        return trajectory.build(ep, final_diff).to_json_dict()

    def status(self) -> dict:
        status = self.registry.status()
        status["memory"] |= {"syntax_checks": self.offload.syntax.checks, "syntax_unchecked": self.offload.syntax.unchecked}
        return {**status, "sandbox": self.provider.status()}

    # -- lifecycle -----------------------------------------------------------------------

    async def run_background(self) -> None:
        async with anyio.create_task_group() as tg:
            self.baselines.attach(tg)
            try:
                await self.registry.run_background()
            finally:
                self.baselines.attach(None)

    async def baseline(self, task: Task) -> scoring.Baseline | None:
        """What the task's original does (measured once; environment/baselines.py). None for a
        project: it has no hidden tests and earns no reward (environment/projects.py)."""
        return None if task.project is not None else await self.baselines.get(task, self._measure)

    async def drain(self, grace_s: float) -> None:
        await self.registry.drain(grace_s)

    async def aclose(self) -> None:
        """End every episode and close their sandboxes at once, within CLOSE_BUDGET_S: a sandbox
        whose backend does not answer in time is the provider's to remove when it closes."""
        self.registry.closing = True
        with anyio.CancelScope(shield=True), anyio.move_on_after(CLOSE_BUDGET_S):
            await self.registry.close_all()
            await self.offload.aclose()

    # -- tools ---------------------------------------------------------------------------

    @recorded("start_task")
    async def start_task(self, task_id: str, max_steps: int | None = None, *, owner: str) -> r.StartTaskResult:
        task = self.catalog.get(task_id)
        if task is None:
            raise UnknownTask(f"No task {quoted(task_id)} (task_id). Call list_tasks to see the available task ids.")
        self.registry.check_capacity(owner)
        episode = Episode.create("ep_" + secrets.token_urlsafe(16), task, max_steps, self.episode_limits, self.settings.reward_mode)
        try:
            sandbox = (await self.registry.add(episode, owner)).sandbox
        except EnvironmentBuildError as exc:
            raise TaskUnavailable(
                f"Task {quoted(task_id)} cannot start: the packages of its [environment] cannot be installed: {exc} "
                "Nothing was started and no step was counted; call list_tasks and pick another task."
            ) from None
        self.baselines.prefetch(task, self._measure)
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
            reward_mode=episode.reward_mode,
            sandbox=r.SandboxInfo(backend=sandbox.backend, isolation=sandbox.isolation),
        )

    @staticmethod
    def _first_look(episode: Episode, readable: dict[str, str]) -> tuple:
        files = [r.FileInfo(path=p, role=reports.role(episode, p), lines=len(views.split_lines(t))) for p, t in sorted(readable.items())]
        return episode.view(None, None, None), files

    @recorded("view_code")
    async def view_code(self, episode_id: str, path: str | None, start_line: int | None, end_line: int | None, *, owner: str) -> r.ViewCodeResult:
        async with self._active(episode_id, owner) as handle:
            ep = handle.episode
            size = len(ep.readable_files().get(path or ep.task.spec.main_file, ""))
            view = await self.offload.cpu(size, ep.view, path, start_line, end_line)
            ep.charge("view_code", f"{view.path}:{view.start_line}-{view.end_line}")
            return r.ViewCodeResult(**await self._after_step(handle), **view.model_dump())

    @recorded("list_files")
    async def list_files(self, episode_id: str, glob: str | None = None, *, owner: str) -> nav.ListFilesResult:
        matches = nav.glob_matcher(glob)  # before the episode is touched: a bad glob costs nothing
        async with self._active(episode_id, owner) as handle:
            ep = handle.episode
            readable = ep.readable_files()
            size = sum(map(len, readable.values()))
            listing = (nav.listing, ep.files, readable, ep.task.test_files, glob, matches)
            found = await (self.offload.cpu(size, *listing) if glob is None else self.offload.glob(*listing))
            ep.charge("list_files", f"{found.total_files} files" + (f" matching {glob}" if glob is not None else ""))
            return nav.ListFilesResult(**await self._after_step(handle), **found.model_dump())

    @recorded("search_code")
    async def search_code(
        self, episode_id: str, pattern: str, glob: str | None = None, regex: bool = False, max_results: int | None = None, *, owner: str
    ) -> nav.SearchCodeResult:
        # Every argument is checked before the episode is touched: a bad one costs nothing.
        find = nav.finder(pattern, regex)
        matches = nav.glob_matcher(glob)
        limit = nav.check_max_results(max_results)
        async with self._active(episode_id, owner) as handle:
            ep = handle.episode
            readable = ep.readable_files()
            paths = nav.select(list(readable), glob, matches) if glob is None else await self.offload.glob(nav.select, list(readable), glob, matches)
            size = sum(len(readable[p]) for p in paths)
            # A search with no match is an answer (it tells the agent something), and costs a step.
            found = await self.offload.search(size, regex, nav.search, readable, paths, find, pattern, regex, glob, limit)
            ep.charge("search_code", f"{pattern[:60]!r}: {found.total_matches} lines in {found.files_matched} files")
            return nav.SearchCodeResult(**await self._after_step(handle), **found.model_dump())

    @recorded("replace_lines")
    async def replace_lines(
        self, episode_id: str, start_line: int, end_line: int, new_code: str, path: str | None, *, owner: str
    ) -> r.ReplaceLinesResult:
        async with self._active(episode_id, owner) as handle:
            ep = handle.episode
            # Planning reads the episode only (its lock keeps it still); a large file is planned in a thread.
            size = len(ep.files.get(path or ep.task.spec.main_file, "")) + len(new_code)
            plan = await self.offload.cpu(size, ep.plan_replace, path, start_line, end_line, new_code)
            return await self._edit(handle, plan, "replace_lines", r.ReplaceLinesResult)

    @recorded("replace_text")
    async def replace_text(self, episode_id: str, path: str, old_text: str, new_text: str, *, owner: str) -> r.ReplaceTextResult:
        async with self._active(episode_id, owner) as handle:
            ep = handle.episode
            size = len(ep.files.get(path, "")) + len(old_text) + len(new_text)
            plan = await self.offload.cpu(size, ep.plan_replace_text, path, old_text, new_text)
            return await self._edit(handle, plan, "replace_text", r.ReplaceTextResult)

    async def _edit(self, handle: EpisodeHandle, plan, tool: str, result: type[r.EditResult]) -> r.EditResult:
        ep = handle.episode
        self.registry.make_room(handle, plan.growth)
        edit = ep.apply(plan)
        await self.end_debug_session(handle, "the code changed")
        text = ep.files[edit.path]
        ep.charge(tool, f"{edit.path}:{edit.start_line}-{edit.end_line}")
        status = await self._after_step(handle)
        shown = await self.offload.edit_feedback(edit, text)
        return result(
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

    @recorded("show_diff")
    async def show_diff(self, episode_id: str, *, owner: str) -> r.ShowDiffResult:
        async with self._active(episode_id, owner) as handle:
            ep = handle.episode
            changes = [FileChange(p, ep.originals[p], text) for p, text in sorted(ep.files.items()) if text != ep.originals[p]]
            if not changes:
                raise NoChange("Nothing has changed yet: every editable file is as the task gave it. No step was counted.")
            diff = await self.offload.render(changes)
            ep.charge("show_diff", f"{len(changes)} file(s) changed")
            return r.ShowDiffResult(**await self._after_step(handle), files_changed=[c.path for c in changes], diff=diff)

    @recorded("run_tests")
    async def run_tests(
        self, episode_id: str, progress: ProgressCallback | None = None, *, owner: str, tests: list[str] | None = None, verbose: bool = False
    ) -> rr.RunTestsResult:
        async with self._active(episode_id, owner) as handle:
            ep = handle.episode
            chosen = selection.parse_selection(tests, ep.task.test_files)  # before any run: a bad one costs nothing
            # Only a run of every visible test measures progress: a selection neither earns nor moves the potential.
            full_run = chosen is None
            # Before the run: a baseline that cannot be measured fails the call before anything happened.
            baseline = await self.baseline(ep.task) if full_run else (self.baselines.known(ep.task) if ep.task.project is None else None)
            # A project's tests are its own, editable code: every test they define counts (no reward rides on them).
            known = scoring.every_test if ep.task.project is not None else scoring.known_tests(ep.task.visible_test_cases, baseline.visible_collected if baseline else None)
            request = runs.pytest_request(ep, self.settings, selection=chosen or project_selection(ep), verbose=verbose)
            result = await runs.run(self.registry, handle, request, runs.progress_relay(progress))
            if chosen is not None and not result.collected and not result.collect_errors:
                raise selection.no_match(chosen, ep.task.test_files)
            expected = await self.expected_tests(ep, chosen)
            # A full run counts at least what the original's did: cases that vanish (a module that no longer imports) still count.
            counts = scoring.count(result, max(expected, baseline.visible_total) if full_run and baseline is not None else expected, known)
            counted_passing = scoring.passing(result, known)
            reward = ep.record_visible_run(counts.fraction, baseline) if full_run and baseline is not None else 0.0
            ep.charge("run_tests", f"{counts.passed}/{counts.total} passed" + ("" if full_run else " (selected tests)"), reward)
            return rr.RunTestsResult(
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
                failures=reports.failures(ep, result),
                collection_errors=reports.collection_errors(ep, result),
                passing=[t.nodeid for t in result.tests if t.nodeid in counted_passing],
                passing_details=reports.passing(ep, result) if verbose else [],
                selection=None if chosen is None else chosen.shown(),
                output_tail=result.stdout + (f"\n{result.stderr}" if result.stderr.strip() else ""),
                output_truncated=result.stdout_dropped_bytes > 0 or result.output_cut is not None,
                duration_s=result.duration_s,
            )

    @recorded("run_python")
    async def run_python(self, episode_id: str, code: str, timeout_s: float | None, *, owner: str) -> rr.RunPythonResult:
        code = check_text("code", code, MAX_CODE_CHARS)
        if not code.strip():
            raise BadArgument("code is empty: give the Python to run (print what you want to see). No step was counted.")
        limit = self.settings.max_python_timeout_s
        if timeout_s is not None and not 0 < timeout_s <= limit:
            raise BadArgument(f"timeout_s must be more than 0 and at most {limit:g} seconds, got {timeout_s}.")
        async with self._active(episode_id, owner) as handle:
            ep = handle.episode
            request = runs.python_request(ep, self.settings, code, timeout_s)
            result = await runs.run(self.registry, handle, request)
            ep.charge("run_python", code.strip().splitlines()[0][:80])
            exc = result.exception
            located = reports.located(ep, "", "", "", "", exc.frames) if exc else None
            return rr.RunPythonResult(
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
                time_limit_s=request.timeout_s,
                output_truncated=result.stdout_dropped_bytes > 0 or result.stderr_dropped_bytes > 0 or result.output_cut is not None,
                duration_s=result.duration_s,
            )

    @recorded("undo")
    async def undo(self, episode_id: str, *, owner: str) -> r.UndoResult:
        async with self._active(episode_id, owner) as handle:
            label, changes = handle.episode.undo()
            await self.end_debug_session(handle, "the code changed")
            handle.episode.charge("undo", label)
            status = await self._after_step(handle)
            diff, syntax = await self._restored(handle.episode, changes)
            return r.UndoResult(**status, undone=label, diff=diff, syntax=syntax)

    @recorded("reset_code")
    async def reset_code(self, episode_id: str, *, owner: str) -> r.ResetResult:
        async with self._active(episode_id, owner) as handle:
            changes = handle.episode.reset()
            await self.end_debug_session(handle, "the code changed")
            handle.episode.charge("reset_code", "restore original files")
            status = await self._after_step(handle)
            diff, syntax = await self._restored(handle.episode, changes)
            return r.ResetResult(**status, diff=diff, syntax=syntax)

    async def _restored(self, ep: Episode, changes: list[FileChange]) -> tuple[str, list[r.FileSyntax]]:
        """The diff of what undo or reset_code changed, and the syntax of each file as it is now."""
        checks = []
        for path in sorted({c.path for c in changes}):
            check = await self.offload.syntax.check(path, ep.files[path])
            ok = check.issue is None and check.unchecked is None
            checks.append(r.FileSyntax(path=path, syntax_ok=ok, syntax_error=check.issue, syntax_unchecked=check.unchecked))
        return await self.offload.render(changes), checks

    @recorded("submit")
    async def submit(self, episode_id: str, *, owner: str) -> r.SubmitResult:
        async with self._active(episode_id, owner) as handle:
            # Outside the shield and before anything happens: a baseline that cannot be measured is a
            # sandbox failure of this call only, which the agent may retry.
            baseline = await self.baseline(handle.episode.task)
            # A submit that has started is final: it runs to its end (bounded by the run's timeout)
            # and ends the episode even if its caller goes away, so that dropping the call can
            # never buy a free look at the hidden tests.
            with anyio.CancelScope(shield=True):
                submission = await self._score_or_end(handle, baseline)
                handle.episode.charge("submit", f"score {submission.score:.2f}", submission.reward)
                status = self._status(handle.episode)
                await self.registry.release(handle, reuse=True)
            return r.SubmitResult(**status, **submission.model_dump(exclude={"reward", "hidden_pass_rate"}))

    # -- steps and scoring ---------------------------------------------------------------

    @asynccontextmanager
    async def _active(self, episode_id: str, owner: str) -> AsyncIterator[EpisodeHandle]:
        """The episode, locked for one call. When one step is left, the call may submit: the baseline
        is awaited first, so that failing to measure it fails the call before anything happened."""
        async with self.registry.active(episode_id, owner) as handle:
            if handle.episode.steps_remaining <= 1:
                await self.baseline(handle.episode.task)
            yield handle

    async def _after_step(self, handle: EpisodeHandle) -> dict:
        """The status fields of a step's result; submits first if this step spent the budget."""
        ep = handle.episode
        submission = None
        if ep.budget_spent and not ep.done:
            with anyio.CancelScope(shield=True):  # final once started, as submit is
                baseline = await self.baseline(ep.task)
                submission = await self._score_or_end(handle, baseline, reason="budget_spent")
                ep.record_budget_submit(submission.reward)
                await self.registry.release(handle, reuse=True)
        note, handle.debug_note = handle.debug_note, None
        return {**self._status(ep), "submission": submission, "debugger": note}

    @staticmethod
    def _status(ep: Episode) -> dict:
        return {"episode_id": ep.episode_id, "step": ep.step, "steps_remaining": ep.steps_remaining, "reward": ep.last_reward, "done": ep.done}

    async def _score_or_end(self, handle: EpisodeHandle, baseline: scoring.Baseline | None, reason: EndReason = "submitted") -> r.Submission:
        """Score, or end the episode with score 0 if the sandbox failed twice while scoring: code
        that can break its sandbox at will must not be able to retry a submit for free."""
        try:
            return await self._score(handle, baseline, reason)
        except SandboxError as exc:
            handle.episode.end_without_score("sandbox_failure")
            await self.registry.release(handle)
            raise SubmitFailed(str(exc)) from exc

    async def _score(self, handle: EpisodeHandle, baseline: scoring.Baseline | None, reason: EndReason) -> r.Submission:
        ep = handle.episode
        if baseline is None:
            return await self._project_submission(handle, reason)
        untouched = ep.untouched  # before the run: the files cannot change while it runs, but say so plainly
        result = await runs.run(self.registry, handle, runs.pytest_request(ep, self.settings, scoring=True))
        known = scoring.known_tests(ep.task.hidden_test_cases, baseline.hidden_collected)
        outcome = scoring.score(baseline, result, ep.task.hidden_test_count, untouched=untouched, known=known)
        reward = ep.finish(outcome, reason)
        return r.Submission(**outcome.model_dump(exclude={"hidden_pass_rate"}), end_reason=reason, reward=reward)
