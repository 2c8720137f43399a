"""The Agent Trajectory Interchange Format (ATIF, Harbor's RFC 0001) as pydantic models: the fields
debugbox writes, with the spec's names and rules (extra fields forbidden, step ids 1..n, agent-only
fields on agent steps, each observation result pointing at a tool call of its step).

Our own models rather than Harbor's package: Harbor needs Python 3.12 and brings a whole framework.
tests/fixtures/atif/ holds the JSON schema generated from Harbor's models; the tests validate what
we write against it. Pure: no I/O.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = "ATIF-v1.7"  # nothing we write needs v1.8 (audio); v1.7 readers are more common


class _Atif(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Agent(_Atif):
    name: str
    version: str
    model_name: str | None = None
    extra: dict[str, Any] | None = None


class ToolCall(_Atif):
    tool_call_id: str
    function_name: str
    arguments: dict[str, Any]
    extra: dict[str, Any] | None = None


class ObservationResult(_Atif):
    source_call_id: str | None = None
    content: str | None = None
    extra: dict[str, Any] | None = None


class Observation(_Atif):
    results: list[ObservationResult]


class Metrics(_Atif):
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached_tokens: int | None = None
    extra: dict[str, Any] | None = None


class Step(_Atif):
    step_id: int = Field(ge=1)
    timestamp: str | None = None
    source: Literal["system", "user", "agent"]
    model_name: str | None = None
    message: str
    reasoning_content: str | None = None
    tool_calls: list[ToolCall] | None = None
    observation: Observation | None = None
    metrics: Metrics | None = None
    extra: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _agent_only(self) -> Step:
        if self.source != "agent":
            for name in ("model_name", "reasoning_content", "tool_calls", "metrics"):
                if getattr(self, name) is not None:
                    raise ValueError(f"{name} is only for agent steps (step {self.step_id} is {self.source})")
        if self.observation is not None:
            ids = {c.tool_call_id for c in self.tool_calls or []}
            for result in self.observation.results:
                if result.source_call_id is not None and result.source_call_id not in ids:
                    raise ValueError(f"step {self.step_id}: observation of unknown call {result.source_call_id}")
        return self


class FinalMetrics(_Atif):
    total_prompt_tokens: int | None = None
    total_completion_tokens: int | None = None
    total_steps: int | None = Field(default=None, ge=0)
    extra: dict[str, Any] | None = None


class Trajectory(_Atif):
    schema_version: str = SCHEMA_VERSION
    session_id: str | None = None
    agent: Agent
    steps: list[Step] = Field(min_length=1)
    notes: str | None = None
    final_metrics: FinalMetrics | None = None
    extra: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _sequential(self) -> Trajectory:
        for index, step in enumerate(self.steps, start=1):
            if step.step_id != index:
                raise ValueError(f"steps[{index - 1}].step_id is {step.step_id}, not {index}: ids run 1..n")
        return self

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


def tool_step(
    step_id: int,
    call_id: str,
    tool: str,
    arguments: dict[str, Any],
    result: str | None,
    *,
    timestamp: str | None = None,
    message: str = "",
    reasoning: str | None = None,
    metrics: Metrics | None = None,
    model_name: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Step:
    """One agent step: one tool call and what it returned (both sides build theirs with this)."""
    return Step(
        step_id=step_id,
        timestamp=timestamp,
        source="agent",
        model_name=model_name,
        message=message,
        reasoning_content=reasoning or None,
        tool_calls=[ToolCall(tool_call_id=call_id, function_name=tool, arguments=arguments)],
        observation=Observation(results=[ObservationResult(source_call_id=call_id, content=result)]),
        metrics=metrics,
        extra=extra,
    )
