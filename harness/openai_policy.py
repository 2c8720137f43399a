"""A policy backed by any OpenAI-compatible chat completions endpoint with tool calling.

Configuration: API_BASE_URL, MODEL_NAME, and the key from HF_TOKEN, API_KEY or OPENAI_API_KEY
(the first one set wins); command-line flags override them.

The model sees the server's solve_task prompt, followed by a short statement of the episode's rules
(step costs, the score, this episode's reward mode, the runner's own limits), as the system message
and start_task's text as the first user message; every tool result goes back as a `tool` message. A call it cannot make (no tool
call at all, arguments that are not a JSON object) goes back to it as an error and is counted;
three such replies in a row stop the episode. Rate limits, 5xx and connection failures are retried
with exponential backoff; bad credentials stop at once with a message naming the variables.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import anyio
import openai
from openai import AsyncOpenAI

from harness.client import openai_tools
from harness.policy import Decision, Observation, PolicyConfigError, PolicyError, Stop, ToolCall

log = logging.getLogger(__name__)

KEY_VARIABLES = ("HF_TOKEN", "API_KEY", "OPENAI_API_KEY")
NO_KEY = "no-key"  # keyless local servers (vLLM, Ollama) still need a non-empty string
NUDGE = (
    "Reply with exactly one tool call, arguments as a JSON object. When the visible tests pass, call submit."
)


REWARD_RULES = {
    "shaped": "Rewards: each full run_tests pays the change of the visible pass rate since the last full run "
    "(negative after a regression); submit pays the rest, so the rewards add up to the score.",
    "sparse": "Rewards: only submit pays: the score.",
}


def episode_rules(observation: Observation) -> str:
    """What the model must know to spend its steps well, in a few lines (DESIGN.md, Scoring and rewards)."""
    lines = [
        "Rules of this episode:",
        "- Steps: each call that does something costs one step; an error, or a call that would change nothing "
        "(an edit to the same text, undo with nothing to undo, reset_code on the original), costs none and comes "
        "back as an error. When the budget is spent, the episode submits itself; the last two steps carry a WARNING.",
        "- Score: (hidden tests the original fails that you fix - hidden tests it passed that you break) / "
        "(hidden tests it fails), at least 0. Untouched code scores 0; resolved means every hidden test passes.",
    ]
    mode = observation.start.get("reward_mode")
    if mode in REWARD_RULES:
        lines.append(f"- {REWARD_RULES[mode]}")
    if observation.max_calls is not None and observation.max_repeats is not None:
        lines.append(
            f"- This runner stops you after {observation.max_calls} calls (errors count here) or the same call "
            f"{observation.max_repeats} times in a row, then submits for you."
        )
    return "\n".join(lines)


@dataclass
class OpenAISettings:
    model: str
    base_url: str | None = None  # None: the openai client's default
    api_key: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    max_retries: int = 5  # retries of one request on 429, 5xx and connection errors
    retry_base_delay_s: float = 1.0  # doubles on every retry
    retry_max_delay_s: float = 30.0
    request_timeout_s: float = 300.0
    max_unparseable: int = 3  # replies in a row without a usable tool call

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> OpenAISettings:
        """Settings from API_BASE_URL, MODEL_NAME and the key variables; `overrides` that are not
        None win (command-line flags). Raises PolicyConfigError without a model name."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {
            "model": env.get("MODEL_NAME") or None,
            "base_url": env.get("API_BASE_URL") or None,
            "api_key": next((env[name] for name in KEY_VARIABLES if env.get(name)), None),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        if not values["model"]:
            raise PolicyConfigError("No model name: set MODEL_NAME (or pass --model).")
        return cls(**values)


@dataclass
class PolicyStats:
    requests: int = 0
    retries: int = 0
    unparseable_replies: int = 0  # replies with no usable tool call
    malformed_calls: int = 0  # tool calls whose arguments were not a JSON object


def _auth_message(settings: OpenAISettings, exc: openai.APIStatusError) -> str:
    where = settings.base_url or "the default OpenAI endpoint"
    return (
        f"The model endpoint {where} refused the credentials (HTTP {exc.status_code}). "
        f"Set a valid key in one of {', '.join(KEY_VARIABLES)} (the first one set wins) or pass --api-key; "
        f"check API_BASE_URL and MODEL_NAME too."
    )


class OpenAIPolicy:
    """One episode's chat with the model. Create one per episode."""

    def __init__(self, settings: OpenAISettings, client: AsyncOpenAI | None = None):
        self.settings = settings
        # Retries are ours (bounded, with backoff we can make fast in tests), so the client's are off.
        self.client = client or AsyncOpenAI(
            base_url=settings.base_url,
            api_key=settings.api_key or NO_KEY,
            max_retries=0,
            timeout=settings.request_timeout_s,
        )
        self.messages: list[dict[str, Any]] = []
        self.tools: list[dict[str, Any]] = []
        self.stats = PolicyStats()
        self._unparseable_in_a_row = 0
        self.notes: dict[str, dict[str, Any]] = {}  # call_id -> the reply's text and tokens (step_notes)
        self._usage: dict[str, int] | None = None  # of the last completion

    def step_notes(self) -> dict[str, dict[str, Any]]:
        """What only the model's side knows of each call, for trajectories: the reply's text, its
        reasoning where the endpoint returns it, and the completion's tokens (on the reply's first call)."""
        return self.notes

    async def act(self, observation: Observation) -> Decision:
        if not self.messages:
            self._begin(observation)
        for step in observation.last:
            if step.call.call_id:
                prefix = "ERROR: " if step.outcome.is_error else ""
                self.messages.append({"role": "tool", "tool_call_id": step.call.call_id, "content": prefix + step.outcome.text})
        while True:
            message = await self._complete()
            calls = self._take_calls(message)
            if calls:
                self._unparseable_in_a_row = 0
                return calls
            self.stats.unparseable_replies += 1
            self._unparseable_in_a_row += 1
            if self._unparseable_in_a_row >= self.settings.max_unparseable:
                return Stop(f"kill switch: {self._unparseable_in_a_row} replies in a row without a usable tool call")

    def _begin(self, observation: Observation) -> None:
        self.tools = openai_tools(observation.tools, optional=["episode_id"])
        self.messages = [
            {"role": "system", "content": observation.instructions.rstrip() + "\n\n" + episode_rules(observation)},
            {
                "role": "user",
                "content": "start_task has been called for you; this is what it returned.\n\n" + observation.start_text,
            },
        ]

    def _take_calls(self, message: Any) -> list[ToolCall]:
        """Record the assistant's reply; return its usable calls. Unusable ones are answered with an
        error at once, so the model sees what was wrong."""
        if message is None:
            log.warning("the model's reply had no message")
            self.messages.append({"role": "user", "content": "Your reply was empty. " + NUDGE})
            return []
        raw_calls = list(getattr(message, "tool_calls", None) or [])
        content = getattr(message, "content", None) or ""
        if content.strip():
            log.info("model: %s", content.strip())
        if not raw_calls:
            self.messages.append({"role": "assistant", "content": content})
            self.messages.append({"role": "user", "content": "Your reply had no tool call. " + NUDGE})
            return []
        reasoning = getattr(message, "reasoning_content", None) or getattr(message, "reasoning", None)
        note: dict[str, Any] = {"message": content, "reasoning": reasoning if isinstance(reasoning, str) else None, **(self._usage or {})}
        assistant: dict[str, Any] = {"role": "assistant", "content": content, "tool_calls": []}
        self.messages.append(assistant)
        calls, errors = [], []
        for index, raw in enumerate(raw_calls):
            call_id = getattr(raw, "id", None) or f"call_{len(self.messages)}_{index}"
            self.notes[call_id] = note if index == 0 else {"message": "", "reasoning": None}
            function = getattr(raw, "function", None)
            name = getattr(function, "name", None) or ""
            arguments = getattr(function, "arguments", None) or ""
            assistant["tool_calls"].append({"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}})
            try:
                parsed = json.loads(arguments) if arguments.strip() else {}
            except json.JSONDecodeError as exc:
                parsed, problem = None, f"its arguments are not valid JSON ({exc.msg} at position {exc.pos})"
            else:
                problem = None if isinstance(parsed, dict) else "its arguments are not a JSON object"
            if problem is None and not name:
                problem = "it names no tool"
            if problem is not None:
                self.stats.malformed_calls += 1
                log.warning("malformed tool call %s(%s): %s", name, arguments[:200], problem)
                errors.append({"role": "tool", "tool_call_id": call_id, "content": f"ERROR: the call was not made: {problem}. {NUDGE}"})
                continue
            calls.append(ToolCall(name, parsed, call_id))
        self.messages.extend(errors)
        return calls

    async def _complete(self) -> Any:
        """One chat completion, retried on 429, 5xx and connection failures with exponential backoff."""
        s = self.settings
        request: dict[str, Any] = {"model": s.model, "messages": self.messages, "tools": self.tools}
        if s.temperature is not None:
            request["temperature"] = s.temperature
        if s.max_tokens is not None:
            request["max_tokens"] = s.max_tokens
        for attempt in range(s.max_retries + 1):
            self.stats.requests += 1
            try:
                response = await self.client.chat.completions.create(**request)
            except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
                raise PolicyConfigError(_auth_message(s, exc)) from None
            except openai.NotFoundError as exc:
                raise PolicyConfigError(
                    f"The endpoint answered 404 for model {s.model!r} at {s.base_url or 'the default OpenAI endpoint'}: "
                    f"check MODEL_NAME and API_BASE_URL (it usually ends in /v1). {exc.message}"
                ) from None
            except (openai.APIStatusError, openai.APIConnectionError) as exc:
                status = getattr(exc, "status_code", None)
                transient = status is None or status == 429 or status >= 500
                if not transient:
                    raise PolicyError(f"The model endpoint rejected the request (HTTP {status}): {exc.message}") from None
                if attempt == s.max_retries:
                    what = f"HTTP {status}" if status else type(exc).__name__
                    raise PolicyError(f"The model endpoint kept failing ({what}) after {s.max_retries} retries: {exc.message}") from None
                delay = self._delay(attempt, exc)
                self.stats.retries += 1
                log.warning("model request failed (%s); retry %d/%d in %.2f s", status or type(exc).__name__, attempt + 1, s.max_retries, delay)
                await anyio.sleep(delay)
                continue
            except openai.OpenAIError as exc:  # e.g. a response body that is not a chat completion
                raise PolicyError(f"The model endpoint's answer could not be used: {type(exc).__name__}: {exc}") from None
            usage = getattr(response, "usage", None)
            self._usage = None
            if usage is not None:
                self._usage = {"prompt_tokens": getattr(usage, "prompt_tokens", None), "completion_tokens": getattr(usage, "completion_tokens", None)}
            choices = getattr(response, "choices", None) or []
            return choices[0].message if choices else None
        raise AssertionError("unreachable")

    def _delay(self, attempt: int, exc: Exception) -> float:
        s = self.settings
        delay = s.retry_base_delay_s * (2**attempt)
        response = getattr(exc, "response", None)
        retry_after = response.headers.get("retry-after") if response is not None else None
        if retry_after:
            try:
                delay = max(delay, float(retry_after))
            except ValueError:
                pass  # an HTTP date: keep our own backoff
        return min(delay, s.retry_max_delay_s)
