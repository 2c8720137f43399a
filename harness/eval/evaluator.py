"""The batch loop: C workers take (task, try) jobs, play each episode over its own MCP connection
to the shared HTTP server, record every attempt, and play again after a system error, up to R
retries with a growing delay.

One connection per episode keeps failures apart: a broken connection loses one episode, and the
next attempt starts from a clean client (against a restarted server, when ours died).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

import anyio

from harness import trajectories
from harness.client import DebugboxClient
from harness.episode_runner import EpisodeRecord, EpisodeRunner
from harness.eval.outcome import episode_key, episode_line
from harness.eval.solvers import EpisodeContext, Solver, token_usage
from harness.policy import Decision, Observation, Policy
from tasks.model import Task

log = logging.getLogger(__name__)

MAX_RETRY_DELAY_S = 60.0


class ServerHandle(Protocol):
    async def ensure(self) -> str: ...


class SolverConfigError(Exception):
    """The solver cannot run at all (e.g. its model endpoint refused the credentials): stop the run."""


@dataclass(frozen=True)
class Job:
    task: Task
    try_index: int

    @property
    def key(self) -> str:
        return episode_key(self.task.id, self.try_index)


@dataclass(frozen=True)
class EvalSettings:
    concurrency: int = 4
    retries: int = 2  # extra attempts after a system error
    max_steps: int = 30  # the runner's cap; the task's own budget applies too
    episode_timeout_s: float = 3600.0
    retry_delay_s: float = 2.0  # doubles with every retry of the same episode


class _SandboxNoting:
    """Passes the policy's decisions through, keeping what start_task said about the sandbox."""

    def __init__(self, inner: Policy):
        self.inner = inner
        self.sandbox: dict[str, Any] | None = None

    async def act(self, observation: Observation) -> Decision:
        if self.sandbox is None:
            self.sandbox = dict(observation.start.get("sandbox") or {})
        return await self.inner.act(observation)


def plan_jobs(tasks: Sequence[Task], n_tries: int) -> list[Job]:
    """Tries outermost, so a run stopped early has covered every task about equally."""
    return [Job(task, i) for i in range(n_tries) for task in tasks]


class Evaluator:
    def __init__(
        self,
        solver: Solver,
        server: ServerHandle,
        record: Callable[[Mapping[str, Any]], None],
        settings: EvalSettings,
        *,
        on_attempt: Callable[[Mapping[str, Any], bool], None] | None = None,
        prior_attempts: Counter[str] | None = None,
        trajectory_dir: Path | None = None,
    ):
        self.solver = solver
        self.server = server
        self.record = record
        self.settings = settings
        self.on_attempt = on_attempt
        self.prior_attempts = prior_attempts or Counter()
        self.trajectory_dir = trajectory_dir  # each attempt's ATIF trajectory goes here (the last one stays)

    async def run(self, jobs: Sequence[Job]) -> None:
        if not jobs:
            return
        send, receive = anyio.create_memory_object_stream[Job](len(jobs))
        for job in jobs:
            send.send_nowait(job)
        send.close()
        async with anyio.create_task_group() as tg:
            for _ in range(min(self.settings.concurrency, len(jobs))):
                tg.start_soon(self._worker, receive.clone())
        receive.close()

    async def _worker(self, receive: anyio.abc.ObjectReceiveStream[Job]) -> None:
        async with receive:
            async for job in receive:
                await self._run_job(job)

    async def _run_job(self, job: Job) -> None:
        first = self.prior_attempts[job.key]  # attempts numbered across resumed runs
        for retry in range(self.settings.retries + 1):
            line = await self._play(job, first + retry)
            self.record(line)
            final = line["outcome"] == "scored" or retry == self.settings.retries
            if self.on_attempt is not None:
                self.on_attempt(line, final)
            if final:
                return
            await anyio.sleep(min(self.settings.retry_delay_s * 2**retry, MAX_RETRY_DELAY_S))

    async def _play(self, job: Job, attempt: int) -> dict[str, Any]:
        record = EpisodeRecord(job.task.id)
        started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        started = time.perf_counter()
        policy: _SandboxNoting | None = None
        failure: BaseException | None = None
        try:
            with anyio.fail_after(self.settings.episode_timeout_s):
                url = await self.server.ensure()
                policy = _SandboxNoting(self.solver.policy(EpisodeContext(job.task, job.try_index, attempt, url)))
                async with DebugboxClient.http(url) as client:
                    await EpisodeRunner(client, max_steps=self.settings.max_steps, keep_trajectory=self.trajectory_dir is not None).play(job.task.id, policy, record)
        except Exception as exc:  # noqa: BLE001 - whatever broke, the attempt is recorded and judged
            failure = exc
            log.debug("%s attempt %d failed", job.key, attempt, exc_info=True)
        if record.config_error:
            raise SolverConfigError(record.error or "the solver is misconfigured")
        line = episode_line(
            task_id=job.task.id,
            difficulty=job.task.spec.difficulty.value,
            tags=job.task.spec.tags,
            try_index=job.try_index,
            attempt=attempt,
            solver=self.solver.name,
            model=self.solver.model,
            record=record,
            exc=failure,
            started_at=started_at,
            duration_s=time.perf_counter() - started,
            tokens=token_usage(policy.inner) if policy is not None else None,
        )
        line["sandbox"] = policy.sandbox if policy is not None else None
        if self.trajectory_dir is not None and record.episode_id is not None:
            self._write_trajectory(job, record, line, policy)
        return line

    def _write_trajectory(self, job: Job, record: EpisodeRecord, line: Mapping[str, Any], policy: _SandboxNoting | None) -> None:
        keep = ("try", "attempt", "solver", "model", "difficulty", "tags", "outcome", "stop_reason", "stop_detail", "duration_s", "tokens", "started_at", "n_steps")
        facts = {name: line.get(name) for name in keep}
        doc = trajectories.build(
            record,
            agent=f"debugbox-eval/{self.solver.name}",
            model=self.solver.model,
            notes=trajectories.policy_notes(policy.inner) if policy is not None else None,
            tokens=line.get("tokens"),
            facts=facts,
        )
        try:
            trajectories.write(self.trajectory_dir / trajectories.file_name(job.task.id, job.try_index), doc)
        except OSError as exc:  # the record line matters more than its trajectory
            log.warning("could not write the trajectory of %s: %s", job.key, exc)
