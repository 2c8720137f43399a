"""A sandbox provider that remembers every run, for `debugbox tasks check`.

Tool results summarize a run (counts, failures first); the verdict needs the raw results behind
them: each test's outcome, to compare repeated runs test by test, and its duration, to hold the
solution to the task's time limits. The checker hands this wrapper to the server it connects to,
so the server runs every episode through it and the checker reads the runs back by episode id.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sandbox.base import EventCallback, RunRequest, RunResult, Sandbox, SandboxProvider
from sandbox.environment_request import EnvironmentRequest


class _RecordingSandbox:
    def __init__(self, inner: Sandbox, runs: list[tuple[RunRequest, RunResult]]):
        self._inner = inner
        self._runs = runs
        self.backend = inner.backend
        self.isolation = inner.isolation

    async def run(self, request: RunRequest, on_event: EventCallback | None = None) -> RunResult:
        result = await self._inner.run(request, on_event)
        self._runs.append((request, result))
        return result

    async def close(self, *, reuse: bool = False) -> None:
        await self._inner.close(reuse=reuse)


class RecordingProvider:
    """Wraps any SandboxProvider; `runs[episode_id]` lists (RunRequest, RunResult) in order."""

    def __init__(self, inner: SandboxProvider):
        self.inner = inner
        self.backend = inner.backend
        self.runs: dict[str, list[tuple[RunRequest, RunResult]]] = defaultdict(list)

    async def start(self) -> None:
        await self.inner.start()

    async def run_background(self) -> None:
        await self.inner.run_background()

    async def acquire(self, episode_id: str, environment: EnvironmentRequest | None = None) -> _RecordingSandbox:
        return _RecordingSandbox(await self.inner.acquire(episode_id, environment=environment), self.runs[episode_id])

    def status(self) -> dict[str, Any]:
        return self.inner.status()

    async def aclose(self) -> None:
        await self.inner.aclose()

    def pytest_run(self, episode_id: str, hidden: bool) -> RunResult | None:
        """The last pytest run of an episode over its hidden (or visible) tests."""
        prefix = "hidden_tests/" if hidden else "tests/"
        matching = [res for req, res in self.runs.get(episode_id, []) if req.kind == "pytest" and req.targets and req.targets[0].startswith(prefix)]
        return matching[-1] if matching else None
