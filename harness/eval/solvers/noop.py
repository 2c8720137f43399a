"""noop: submits at once, changing nothing. The floor: what the buggy code scores by itself."""

from __future__ import annotations

from harness.eval.solvers import register
from harness.eval.solvers.base import BaseSolver, EpisodeContext
from harness.policy import Decision, Observation, Policy, ToolCall


class SubmitAtOnce:
    async def act(self, observation: Observation) -> Decision:
        return [ToolCall("submit", {}, "noop-submit")]


@register
class NoopSolver(BaseSolver):
    name = "noop"

    def policy(self, context: EpisodeContext) -> Policy:
        return SubmitAtOnce()
