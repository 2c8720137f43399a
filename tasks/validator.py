"""`debugbox tasks check`: prove each task valid by playing real episodes over MCP.

For every task it starts an in-process debugbox server on the chosen backend and, through a real
MCP client, plays the same episodes an agent would:
  * original: start_task, run_tests, submit, as given (the first one also probes for leaks);
  * solution: start_task, replace_lines with the reference solution, run_tests, submit;
each `runs` times. A recording sandbox provider keeps the raw run results (per-test outcomes and
durations) that the tool results summarize, so the verdict can compare runs test by test and check
timings against the task's limits. The verdict rules are in `tasks.verdict`.

Server and sandbox modules are imported lazily: the task model must not depend on them.
"""

from __future__ import annotations

import logging
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio

from tasks import leaks
from tasks.loader import Catalog, TaskLoadError
from tasks.model import Task
from tasks.verdict import Played, TaskVerdict, judge

log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 30.0
SANDBOX_FAILED = re.compile(r"\bsandbox failed\b", re.IGNORECASE)  # how mcp_server.server words a SandboxError
SANDBOX_RETRY_PAUSES_S = (2.0, 5.0, None)  # three attempts; None: give up


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


class CheckFailed(Exception):
    """A call the check needs failed; the task is invalid for the reason given."""


# -- a sandbox provider that remembers every run ---------------------------------------------


class _RecordingSandbox:
    def __init__(self, inner, runs: list):
        self._inner = inner
        self._runs = runs
        self.backend = inner.backend
        self.isolation = inner.isolation

    async def run(self, request, on_event=None):
        result = await self._inner.run(request, on_event)
        self._runs.append((request, result))
        return result

    async def close(self, *, reuse: bool = False) -> None:
        await self._inner.close(reuse=reuse)


class RecordingProvider:
    """Wraps any SandboxProvider; `runs[episode_id]` lists (RunRequest, RunResult) in order."""

    def __init__(self, inner):
        self.inner = inner
        self.backend = inner.backend
        self.runs: dict[str, list] = defaultdict(list)

    async def start(self) -> None:
        await self.inner.start()

    async def run_background(self) -> None:
        await self.inner.run_background()

    async def acquire(self, episode_id: str) -> _RecordingSandbox:
        return _RecordingSandbox(await self.inner.acquire(episode_id), self.runs[episode_id])

    def status(self) -> dict:
        return self.inner.status()

    async def aclose(self) -> None:
        await self.inner.aclose()

    def pytest_run(self, episode_id: str, hidden: bool):
        """The last pytest run of an episode over its hidden (or visible) tests."""
        prefix = "hidden_tests/" if hidden else "tests/"
        matching = [res for req, res in self.runs.get(episode_id, []) if req.kind == "pytest" and req.targets and req.targets[0].startswith(prefix)]
        return matching[-1] if matching else None


# -- playing episodes ------------------------------------------------------------------------


async def _ok(client, tool: str, **args):
    """Call a tool that must succeed. A failed sandbox (an overloaded engine, a container that did
    not start in time) says nothing about the task: the call changed nothing, so retry it."""
    for pause in SANDBOX_RETRY_PAUSES_S:
        result = await client.call_tool(tool, args)
        text = leaks.text_of_result(result)
        if not result.is_error:
            return result
        if not SANDBOX_FAILED.search(text) or pause is None:
            raise CheckFailed(f"{tool} failed: {text[:300]}")
        log.warning("%s: the sandbox failed (%s); retrying in %g s", tool, text[:200], pause)
        await anyio.sleep(pause)
    raise AssertionError("unreachable")


async def _play_original(client, task: Task, recorder: RecordingProvider, probe: bool) -> tuple[Played, list[str]]:
    secrets = leaks.fingerprints(task)
    seen: list[tuple[str, str]] = []
    findings: list[str] = []
    start = await _ok(client, "start_task", task_id=task.id, max_steps=1000)
    episode = start.structured_content["episode_id"]
    seen.append(("start_task", leaks.text_of_result(start)))
    if probe:
        findings += await _probe_tools(client, task, episode, start.structured_content["sandbox"]["backend"], seen)
    visible = await _ok(client, "run_tests", episode_id=episode)
    seen.append(("run_tests", leaks.text_of_result(visible)))
    submitted = await _ok(client, "submit", episode_id=episode)
    seen.append(("submit", leaks.text_of_result(submitted)))
    if probe:
        state = await client.read_resource(f"episodes://{episode}", cache_mode="bypass")
        seen.append((f"episodes://{episode} after submit", leaks.text_of_resource(state.contents)))
    for where, text in seen:
        findings += leaks.scan(where, text, secrets)
    return _played(recorder, episode, visible, submitted), findings


async def _probe_tools(client, task: Task, episode: str, backend: str, seen: list[tuple[str, str]]) -> list[str]:
    """Try every way an agent could reach a secret file; collect what each way shows."""
    findings = []
    for path in leaks.secret_paths(task):
        for tool, args in (("view_code", {"path": path}), ("replace_lines", {"path": path, "start_line": 1, "end_line": 0, "new_code": "# probe"})):
            result = await client.call_tool(tool, {"episode_id": episode, **args})
            seen.append((f"{tool}({path!r})", leaks.text_of_result(result)))
            if not result.is_error:
                findings.append(f"{tool} accepted the secret path {path!r}")
    probe = await _ok(client, "run_python", episode_id=episode, code=leaks.probe_snippet(task, backend), timeout_s=PROBE_TIMEOUT_S)
    text = leaks.text_of_result(probe)
    seen.append(("run_python", text))
    findings += [f"run_python could open {line[6:].strip()}" for line in text.splitlines() if line.startswith("FOUND ")]
    if "probe done" not in text:
        findings.append("the run_python leak probe did not finish; the sandbox could not be searched")
    seen.append(("list_tasks", leaks.text_of_result(await client.call_tool("list_tasks", {}))))
    for uri in ("tasks://catalog", f"tasks://{task.id}"):
        seen.append((uri, leaks.text_of_resource((await client.read_resource(uri, cache_mode="bypass")).contents)))
    prompt = await client.get_prompt("solve_task", {"task_id": task.id})
    seen.append(("prompt solve_task", "\n".join(getattr(m.content, "text", "") or "" for m in prompt.messages)))
    return findings


async def _play_solution(client, task: Task, recorder: RecordingProvider) -> Played:
    start = await _ok(client, "start_task", task_id=task.id, max_steps=1000)
    episode = start.structured_content["episode_id"]
    lines = {f["path"]: f["lines"] for f in start.structured_content["files"]}
    for path, text in sorted(task.solution_files.items()):
        await _ok(client, "replace_lines", episode_id=episode, path=path, start_line=1, end_line=lines[path], new_code=text)
    visible = await _ok(client, "run_tests", episode_id=episode)
    submitted = await _ok(client, "submit", episode_id=episode)
    return _played(recorder, episode, visible, submitted)


def _played(recorder: RecordingProvider, episode: str, visible, submitted) -> Played:
    sub = submitted.structured_content
    vis = visible.structured_content
    return Played(
        visible=recorder.pytest_run(episode, hidden=False),
        hidden=recorder.pytest_run(episode, hidden=True),
        visible_passed=vis["passed"],
        visible_total=vis["total"],
        hidden_passed=sub["hidden_passed"],
        hidden_total=sub["hidden_total"],
    )


def task_budget_s(task: Task, runs: int) -> float:
    """Wall time after which a task's check gives up: every run at its limit, plus slack."""
    return runs * 2 * (2 * task.spec.run_timeout_s + 30) + PROBE_TIMEOUT_S + 60


async def check_task(server, task: Task, recorder: RecordingProvider, options: CheckOptions) -> TaskVerdict:
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
                    played, found = await _play_original(client, task, recorder, probe=run == 0)
                    originals.append(played)
                    findings += found
                    solutions.append(await _play_solution(client, task, recorder))
        except CheckFailed as exc:
            failure = str(exc)
        except Exception as exc:  # noqa: BLE001 - one broken task must not stop the check of the others
            log.exception("checking %s failed", task.id)
            failure = f"the check itself failed: {exc!r}"
    if scope.cancelled_caught:
        failure = f"the check did not finish within {task_budget_s(task, options.runs):.0f} s"
    verdict = judge(task, originals, solutions, findings, options.time_margin, failure)
    verdict.elapsed_s = round(time.monotonic() - started, 2)
    log.info("%s: %s (%.1f s)%s", task.id, "valid" if verdict.valid else "INVALID", verdict.elapsed_s, "".join(f"\n  - {r}" for r in verdict.reasons))
    return verdict


# -- the whole check -------------------------------------------------------------------------


def _provider(options: CheckOptions):
    from sandbox.factory import make_provider

    settings = options.docker_settings
    if settings is None and options.backend != "local":
        from sandbox.docker.provider import DockerSettings

        settings = DockerSettings(pool_size=max(1, min(options.concurrency, 16)))
    return make_provider(options.backend, settings)  # type: ignore[arg-type]


async def check_tasks(tasks: list[Task], options: CheckOptions, load_errors: list[TaskLoadError] | None = None) -> CheckReport:
    """Check loaded tasks concurrently (at most `options.concurrency` at once) on one server."""
    from mcp_server.runtime import running
    from mcp_server.server import build_server
    from mcp_server.service import DebugService, ServiceSettings

    if options.runs < 1 or options.concurrency < 1 or not 0 < options.time_margin <= 1:
        raise ValueError("runs and concurrency must be at least 1, and time_margin in (0, 1]")
    started = time.monotonic()
    catalog = Catalog(tasks={t.id: t for t in tasks})
    recorder = RecordingProvider(_provider(options))
    # max_steps_limit: the checker's episodes ask for 1000 steps, so a task with a small budget (or many
    # files to paste the solution into) cannot run out of steps before it is judged.
    service = DebugService(catalog, recorder, ServiceSettings(max_episodes=max(256, 4 * options.concurrency), max_steps_limit=1000))
    server = build_server(service)
    verdicts: dict[str, TaskVerdict] = {}
    limiter = anyio.CapacityLimiter(options.concurrency)

    async def one(task: Task) -> None:
        async with limiter:
            verdicts[task.id] = await check_task(server, task, recorder, options)

    async with running(service), anyio.create_task_group() as tg:
        for task in tasks:
            tg.start_soon(one, task)
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


async def check_paths(paths: list[Path], options: CheckOptions) -> CheckReport:
    tasks, errors = load_for_check(paths)
    return await check_tasks(tasks, options, errors)
