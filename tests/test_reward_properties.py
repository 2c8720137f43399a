"""Rewards cannot be farmed (issue 17.3, DESIGN.md "Scoring and rewards"): random action sequences on
every bundled task, through the real service and real pytest runs, show that

- the rewards of an episode sum to its score (its final progress), in shaped and sparse mode;
- no sequence that leaves the code as it was earns a positive total (it earns exactly 0);
- the solution path earns the maximum, 1;
- a call that fails (an error or a no-op) changes neither the step count nor the rewards.

Every distinct run (same files, same tests) runs once for real on the local backend and is then
replayed from memory, so that hypothesis can try many sequences while the runs stay few: a task has
only a handful of reachable code states (each solution file applied or not, a deliberate break).
"""

from __future__ import annotations

import hashlib

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from environment.baselines import BaselineCache
from environment.errors import DebugboxError
from environment.registry import LOCAL_OWNER
from environment.runtime import running
from environment.service import DebugService
from environment.settings import ServiceSettings
from sandbox.base import EventCallback, RunRequest, RunResult
from sandbox.local import LocalProvider
from tasks.loader import load_catalog

CATALOG = load_catalog()
TASK_IDS = sorted(t.id for t in CATALOG.select())
BREAK = "raise RuntimeError('broken on purpose')"
ACTIONS = ["solve", "break", "undo", "reset", "run_tests", "view", "diff", "submit"]

RUNS: dict[str, RunResult] = {}  # request digest -> the real result of that run
BASELINES: dict = {}  # this module's own, so that its baselines come from the replayed runs too


class ReplayingSandbox:
    """Runs a request for real the first time it is seen, then answers it from RUNS."""

    backend = "local"
    isolation = "process"

    def __init__(self, episode_id: str):
        self.episode_id = episode_id
        self.inner = None

    async def run(self, request: RunRequest, on_event: EventCallback | None = None) -> RunResult:
        key = hashlib.sha256(request.model_dump_json().encode()).hexdigest()
        if key not in RUNS:
            if self.inner is None:
                self.inner = await LocalProvider().acquire(self.episode_id)
            RUNS[key] = await self.inner.run(request)
        return RUNS[key].model_copy(deep=True)

    async def close(self, *, reuse: bool = False) -> None:
        if self.inner is not None:
            await self.inner.close()


class ReplayingProvider(LocalProvider):
    async def acquire(self, episode_id: str, environment=None) -> ReplayingSandbox:
        return ReplayingSandbox(episode_id)


async def play(task_id: str, actions: list[str], max_steps: int, mode: str) -> tuple:
    """One episode: the actions in order (skipping those that make no sense any more), then a submit
    unless the budget already submitted. Returns the episode and the reward of every call."""
    service = DebugService(CATALOG, ReplayingProvider(), ServiceSettings(reward_mode=mode), BaselineCache(None, known=BASELINES))
    task = CATALOG.get(task_id)
    main = task.spec.main_file
    async with running(service):
        episode_id = (await service.start_task(task_id, max_steps, owner=LOCAL_OWNER)).episode_id
        ep = service.episode(episode_id, owner=LOCAL_OWNER)
        paid: list[float] = []

        async def call(action: str):
            if action == "solve":  # the next solution file not yet in place, as a whole-file replace
                path = next((p for p, text in sorted(task.solved_files().items()) if ep.files[p] != text), main)
                lines = len(ep.files[path].splitlines())
                return await service.replace_lines(episode_id, 1, lines, task.solved_files()[path], path, owner=LOCAL_OWNER)
            if action == "break":
                return await service.replace_lines(episode_id, 1, 0, BREAK, main, owner=LOCAL_OWNER)
            if action == "undo":
                return await service.undo(episode_id, owner=LOCAL_OWNER)
            if action == "reset":
                return await service.reset_code(episode_id, owner=LOCAL_OWNER)
            if action == "run_tests":
                return await service.run_tests(episode_id, owner=LOCAL_OWNER)
            if action == "view":
                return await service.view_code(episode_id, None, None, None, owner=LOCAL_OWNER)
            if action == "diff":
                return await service.show_diff(episode_id, owner=LOCAL_OWNER)
            return await service.submit(episode_id, owner=LOCAL_OWNER)

        for action in actions:
            if ep.done:
                break
            if action == "break" and ep.files[main].startswith(BREAK):
                continue  # one deliberate break at a time keeps the reachable states few
            before = (ep.step, list(ep.rewards), len(ep.history))
            try:
                result = await call(action)
            except DebugboxError:
                assert (ep.step, list(ep.rewards), len(ep.history)) == before, f"a failed {action} changed the episode"
                continue
            paid.append(result.reward)
        if not ep.done:
            paid.append((await service.submit(episode_id, owner=LOCAL_OWNER)).reward)
        return ep, paid


def check_episode(ep, paid: list[float]) -> None:
    assert ep.done and ep.score is not None
    assert sum(paid) == pytest.approx(ep.score, abs=1e-9), (paid, ep.score)
    assert sum(h.reward for h in ep.history) == pytest.approx(ep.score, abs=1e-9)
    assert sum(ep.rewards) == pytest.approx(sum(paid), abs=1e-9)
    if ep.untouched:
        assert sum(paid) == pytest.approx(0.0, abs=1e-9), "code left as it was earned a reward"
    assert sum(paid) <= 1.0 + 1e-9


@pytest.mark.parametrize("task_id", TASK_IDS)
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(
    actions=st.lists(st.sampled_from(ACTIONS), max_size=14),
    max_steps=st.integers(min_value=1, max_value=12),
    mode=st.sampled_from(["shaped", "sparse"]),
)
def test_random_episodes_earn_exactly_their_score(task_id, actions, max_steps, mode):
    ep, paid = anyio.run(play, task_id, actions, max_steps, mode)
    check_episode(ep, paid)
    if mode == "sparse":
        assert all(r == 0 for r in paid[:-1]), "sparse rewards pay only at the end"


@pytest.mark.parametrize("task_id", TASK_IDS)
def test_the_solution_path_earns_the_maximum_and_the_original_nothing(task_id):
    solved, paid = anyio.run(play, task_id, ["run_tests", "solve", "solve", "solve", "run_tests"], 30, "shaped")
    check_episode(solved, paid)
    assert solved.score == 1.0 and solved.resolved and sum(paid) == pytest.approx(1.0)
    # Farming attempts on untouched code: runs, edits undone, resets; each earns 0 in total.
    for actions in (["run_tests"] * 3, ["break", "run_tests", "undo", "run_tests"], ["solve", "run_tests", "reset", "run_tests"]):
        ep, paid = anyio.run(play, task_id, actions, 30, "shaped")
        check_episode(ep, paid)
        assert ep.untouched and ep.score == 0 and sum(paid) == pytest.approx(0.0, abs=1e-9), actions
