"""oracle: pastes the task's reference solution over each editable file it changes with
replace_lines, runs the visible tests and submits. It proves the environment: every valid task must
resolve, with score 1."""

from __future__ import annotations

from collections.abc import Iterator

from harness.eval.solvers import register
from harness.eval.solvers.base import BaseSolver, EpisodeContext
from harness.policy import Decision, Observation, Policy, Stop, ToolCall
from tasks.model import Task


class ReferenceSolution:
    def __init__(self, task: Task):
        self.task = task
        self._plan: Iterator[list[ToolCall]] | None = None

    async def act(self, observation: Observation) -> Decision:
        if self._plan is None:
            self._plan = iter(self._calls(observation))
        return next(self._plan, Stop("oracle finished"))

    def _calls(self, observation: Observation) -> list[list[ToolCall]]:
        # Line counts come from the server's file list, so the whole file is replaced whatever it holds.
        lines = {f["path"]: f["lines"] for f in observation.start.get("files", [])}
        originals = self.task.editable_files()
        plan = [
            [ToolCall("replace_lines", {"path": path, "start_line": 1, "end_line": lines.get(path, 0), "new_code": text}, f"oracle-{path}")]
            for path, text in sorted(self.task.solution_files.items())
            if text != originals.get(path)  # replacing a file by itself changes nothing: a no-op is an error
        ]
        return [*plan, [ToolCall("run_tests", {}, "oracle-tests")], [ToolCall("submit", {}, "oracle-submit")]]


@register
class OracleSolver(BaseSolver):
    name = "oracle"

    def policy(self, context: EpisodeContext) -> Policy:
        return ReferenceSolution(context.task)
