"""The OpenAI Agents SDK (`pip install "openai-agents>=0.20,<0.21"`) solving one debugbox task over
stdio, with any OpenAI-compatible model: API_BASE_URL, MODEL_NAME and the key from HF_TOKEN,
API_KEY or OPENAI_API_KEY (the first one set wins), as for openai_runner.py.

    python client_examples/openai_agents_example.py --task binary_search_off_by_one --backend local

The agent gets the server's solve_task prompt as its instructions and every debugbox tool through
the SDK's MCPServerStdio, which spawns `debugbox serve`. It prints the agent's final answer and the
submit result on stdout; the SDK's own logging goes to stderr. Tracing is off (it would upload runs
to OpenAI).

Versions: openai-agents 0.20.x is the line that speaks MCP 2.x (its mcp/_compat.py) while still
accepting openai 2.x; 0.21 and later need openai>=3, earlier ones need mcp<2.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import anyio

try:
    import harness  # noqa: F401 - installed with the debugbox package
except ImportError:  # run from a source checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents import Agent, OpenAIChatCompletionsModel, Runner, set_tracing_disabled
from agents.items import ToolCallOutputItem
from agents.mcp import MCPServerStdio
from openai import AsyncOpenAI

from harness.client import stdio_params
from harness.openai_policy import NO_KEY, OpenAISettings
from harness.policy import PolicyConfigError


def _output_text(item: ToolCallOutputItem) -> str:
    output = item.output
    if isinstance(output, dict):
        return str(output.get("text", ""))
    if isinstance(output, list):
        return "\n".join(str(part.get("text", "")) if isinstance(part, dict) else str(part) for part in output)
    return str(output)


async def solve(task_id: str, settings: OpenAISettings, backend: str | None, max_turns: int) -> int:
    set_tracing_disabled(True)
    model = OpenAIChatCompletionsModel(
        model=settings.model,
        openai_client=AsyncOpenAI(base_url=settings.base_url, api_key=settings.api_key or NO_KEY),
    )
    params = stdio_params(backend)
    server = MCPServerStdio(
        params={"command": params.command, "args": params.args, "env": params.env or {}},
        name="debugbox",
        cache_tools_list=True,
        client_session_timeout_seconds=300,  # run_tests on a cold sandbox can take a while
    )
    async with server:
        prompt = await server.get_prompt("solve_task", {"task_id": task_id})
        instructions = "\n\n".join(getattr(m.content, "text", "") for m in prompt.messages)
        agent = Agent(name="debugbox-solver", instructions=instructions, mcp_servers=[server], model=model)
        result = await Runner.run(
            agent,
            f"Solve the debugbox task {task_id}: call start_task, find and fix the bug, run the tests, then submit.",
            max_turns=max_turns,
        )
    submitted = [
        text for item in result.new_items if isinstance(item, ToolCallOutputItem) and "Submitted" in (text := _output_text(item))
    ]
    print(f"agent: {result.final_output}")
    print(f"submit: {submitted[-1].splitlines()[0] if submitted else '(the agent did not submit)'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", default="binary_search_off_by_one")
    parser.add_argument("--backend", choices=["auto", "docker", "local"])
    parser.add_argument("--max-turns", type=int, default=30)
    parser.add_argument("--model")
    parser.add_argument("--api-base-url")
    parser.add_argument("--api-key")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    try:
        settings = OpenAISettings.from_env(model=args.model, base_url=args.api_base_url, api_key=args.api_key)
    except PolicyConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return anyio.run(solve, args.task, settings, args.backend, args.max_turns)


if __name__ == "__main__":
    sys.exit(main())
