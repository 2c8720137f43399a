"""Project episodes (DESIGN.md `open_project`, invariant 8): a copy of a user's project under an
allowed root becomes an episode whose every tool works as for a task; submit runs the project's
tests one last time and hands back the patch.

Rewards: always 0 in a project episode. Every file is editable, the tests too, so a reward on the
pass fraction could be earned by deleting a failing test, and there are no hidden tests to score
against: nothing here could measure progress honestly, and a project is not a training signal.
"""

from __future__ import annotations

import secrets

import anyio

from environment import patch, runs, scoring
from environment import project_results as pr
from environment import results as r
from environment.episode import EndReason, Episode
from environment.errors import BadArgument, TaskUnavailable, quoted
from environment.recording import recorded
from environment.registry import EpisodeHandle
from environment.selection import Selection
from sandbox.environment_request import EnvironmentBuildError
from tasks.model import count_tests
from tasks.project import ProjectRefused, copy_project, resolve_under_roots
from tasks.project_task import project_task


def project_selection(ep: Episode) -> Selection | None:
    """What run_tests and submit run in a project episode when not told otherwise: its test_command's
    targets and -k, else every test file of the project (None for a task: its visible tests)."""
    info = ep.task.project
    if info is None:
        return None
    return Selection(targets=list(info.test_targets), keyword=info.test_keyword)


def _defined_tests(files: dict[str, str], paths: list[str]) -> int:
    return count_tests({p: files[p] for p in paths if p in files})


class ProjectTools:
    """open_project and a project's submit, mixed into DebugService."""

    async def patch_of(self, ep: Episode) -> str:
        """The episode's changes as a `git apply`-able patch ('' for none); diffing many large files
        takes a while, so in a worker thread then (episodes://{id}/patch, a project's submit)."""
        changed = [p for p, text in ep.files.items() if text is not ep.originals.get(p) and text != ep.originals.get(p)]
        changed += [p for p in ep.originals if p not in ep.files]
        size = sum(len(ep.files.get(p, "")) + len(ep.originals.get(p, "")) for p in changed)
        return await self.offload.cpu(size, patch.git_patch, {p: ep.originals[p] for p in changed if p in ep.originals}, {p: ep.files[p] for p in changed if p in ep.files})

    async def expected_tests(self, ep: Episode, chosen: Selection | None) -> int:
        """The fewest tests a run of `chosen` (None: the default run) counts: those its whole test
        files define, so that a module that fails to import still counts its tests as not passed. A
        task's visible tests never change; a project's are counted as they are now (they are editable)."""
        if ep.task.project is None:
            return ep.task.visible_test_count if chosen is None else sum(ep.task.visible_test_counts[p] for p in chosen.whole_files())
        paths = (chosen or project_selection(ep)).whole_files()
        return await self.offload.cpu(sum(len(ep.files.get(p, "")) for p in paths), _defined_tests, ep.files, paths)

    @recorded("open_project")
    async def open_project(self, path: str, test_command: str | None = None, max_steps: int | None = None, *, owner: str) -> pr.OpenProjectResult:
        if test_command is not None and not isinstance(test_command, str):
            raise BadArgument(f"test_command must be a string of pytest arguments, got {quoted(test_command)}.")
        self.episode_limits.budget(self.settings.project_max_steps, max_steps)  # a bad max_steps before any reading
        self.registry.check_capacity(owner)
        try:
            # Reading the user's tree blocks (a slow disk, a network mount): never on the event loop.
            task = await anyio.to_thread.run_sync(self._project_task, path, test_command)
        except ProjectRefused as exc:
            raise BadArgument(f"open_project: {exc} Nothing was opened.") from None
        episode = Episode.create("ep_" + secrets.token_urlsafe(16), task, max_steps, self.episode_limits, self.settings.reward_mode)
        try:
            sandbox = (await self.registry.add(episode, owner)).sandbox
        except EnvironmentBuildError as exc:
            raise TaskUnavailable(
                f"The project at {quoted(task.project.root)} cannot be opened: the packages it declares cannot be installed in a "
                f"sandbox: {str(exc).rstrip('. ')}. Nothing was started. Fix or pin the requirement (requirements*.txt, pyproject.toml, "
                "setup.cfg) and retry."
            ) from None
        readable = episode.readable_files()
        main, files = await self.offload.cpu(sum(map(len, readable.values())), self._first_look, episode, readable)
        info = task.project
        return pr.OpenProjectResult(
            **self._status(episode),
            project=task.spec.title.removeprefix("Project "),
            root=info.root,
            description=task.description,
            main_file=task.spec.main_file,
            files=files,
            code=main.code,
            test_targets=list(info.test_targets),
            test_keyword=info.test_keyword,
            skipped=info.skipped,
            requirements=list(info.requirements),
            max_steps=episode.max_steps,
            sandbox=r.SandboxInfo(backend=sandbox.backend, isolation=sandbox.isolation),
        )

    def _project_task(self, path: str, test_command: str | None):
        settings = self.settings
        root = resolve_under_roots(path, settings.project_roots)
        # Every file of a project is editable: its copy is bounded like an episode's editable files.
        total = min(settings.project_limits.max_total_bytes, settings.max_workspace_chars)
        copy = copy_project(root, settings.project_limits.model_copy(update={"max_total_bytes": total}))
        return project_task(copy, test_command, settings.project_max_steps, settings.project_test_timeout_s, settings.project_run_timeout_s)

    async def _project_submission(self, handle: EpisodeHandle, reason: EndReason) -> r.Submission:
        """The project's tests one last time, and the patch of every change; no score, reward 0."""
        ep = handle.episode
        request = runs.pytest_request(ep, self.settings, selection=project_selection(ep))
        result = await runs.run(self.registry, handle, request)
        counts = scoring.count(result, await self.expected_tests(ep, None))
        text = await self.patch_of(ep)
        outcome = scoring.Score(score=0.0, resolved=False, fixed=0, broken=0, fail_to_pass=0, pass_to_pass=0, hidden_passed=0, hidden_total=0, untouched=ep.untouched)
        ep.finish(outcome, reason)
        failing = [t.nodeid for t in result.tests if t.outcome != "passed" and t.outcome != "skipped"]
        project = r.ProjectOutcome(
            tests_passed=counts.passed,
            tests_total=counts.total,
            tests_failing=failing[:50] + [f"... {len(failing) - 50} more"] * (len(failing) > 50),
            collection_errors=[e.nodeid for e in result.collect_errors][:20],
            files_changed=patch.changed_paths(ep.originals, ep.files),
            patch=text,
            patch_uri=f"episodes://{ep.episode_id}/patch",
            root=ep.task.project.root,
        )
        return r.Submission(**outcome.model_dump(exclude={"hidden_pass_rate"}), end_reason=reason, reward=0.0, project=project)



