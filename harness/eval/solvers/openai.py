"""openai: any OpenAI-compatible chat model with tool calling (harness/openai_policy.py), one chat per
episode, sharing one HTTP client; token usage is added up from each response's `usage`.

Configuration as for client_examples/openai_runner.py: API_BASE_URL, MODEL_NAME and the key from
HF_TOKEN, API_KEY or OPENAI_API_KEY; the flags below override them.
"""

from __future__ import annotations

import argparse
from types import SimpleNamespace
from typing import Any

from openai import AsyncOpenAI

from harness.eval.solvers import register
from harness.eval.solvers.base import BaseSolver, EpisodeContext
from harness.openai_policy import NO_KEY, OpenAIPolicy, OpenAISettings
from harness.policy import Policy


class UsageMeter:
    """Stands in for the AsyncOpenAI client of one policy: forwards chat.completions.create and adds
    up the token counts the endpoint reports (endpoints that report none leave them at zero)."""

    def __init__(self, client: AsyncOpenAI):
        self._client = client
        self.chat = SimpleNamespace(completions=self)
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.reported = False

    async def create(self, **request: Any) -> Any:
        response = await self._client.chat.completions.create(**request)
        usage = getattr(response, "usage", None)
        if usage is not None:
            self.reported = True
            self.prompt_tokens += int(getattr(usage, "prompt_tokens", 0) or 0)
            self.completion_tokens += int(getattr(usage, "completion_tokens", 0) or 0)
        return response


class MeteredOpenAIPolicy(OpenAIPolicy):
    def __init__(self, settings: OpenAISettings, client: AsyncOpenAI):
        self.meter = UsageMeter(client)
        super().__init__(settings, client=self.meter)  # type: ignore[arg-type] - duck-typed client

    def token_usage(self) -> dict[str, int] | None:
        if not self.meter.reported:
            return None
        return {
            "prompt": self.meter.prompt_tokens,
            "completion": self.meter.completion_tokens,
            "total": self.meter.prompt_tokens + self.meter.completion_tokens,
            "requests": self.stats.requests,
        }


@register
class OpenAISolver(BaseSolver):
    name = "openai"

    def __init__(self, settings: OpenAISettings):
        self.settings = settings
        self.model = settings.model
        # Retries are the policy's own (bounded, with backoff), so the client's are off.
        self._client = AsyncOpenAI(
            base_url=settings.base_url, api_key=settings.api_key or NO_KEY, max_retries=0, timeout=settings.request_timeout_s
        )

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        group = parser.add_argument_group("openai solver")
        group.add_argument("--model", help="model name (default: $MODEL_NAME)")
        group.add_argument("--api-base-url", help="OpenAI-compatible base URL (default: $API_BASE_URL)")
        group.add_argument("--api-key", help="API key (default: $HF_TOKEN, $API_KEY or $OPENAI_API_KEY, the first one set)")
        group.add_argument("--temperature", type=float)
        group.add_argument("--max-tokens", type=int, help="completion tokens per model reply")
        group.add_argument("--model-retries", type=int, default=5, help="retries of one model request on 429, 5xx and connection errors (default 5)")
        group.add_argument("--model-retry-delay", type=float, default=1.0, help="first model retry delay in seconds; doubles every retry")

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> OpenAISolver:
        """Raises PolicyConfigError without a model name."""
        return cls(
            OpenAISettings.from_env(
                model=args.model,
                base_url=args.api_base_url,
                api_key=args.api_key,
                temperature=args.temperature,
                max_tokens=args.max_tokens,
                max_retries=args.model_retries,
                retry_base_delay_s=args.model_retry_delay,
            )
        )

    def policy(self, context: EpisodeContext) -> Policy:
        return MeteredOpenAIPolicy(self.settings, self._client)

    async def aclose(self) -> None:
        await self._client.close()
