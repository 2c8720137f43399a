"""What /schema and /metadata answer: the JSON schemas of actions, observations and state, and the
environment's description (OpenEnv's SchemaResponse and EnvironmentMetadata shapes)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from openenv_server.session import CallToolAction, ListToolsAction
from openenv_server.tools import TOOLS

DESCRIPTION = (
    "debugbox: fix buggy Python programs in a sandbox. reset(task_id=...) or reset(seed=..., difficulty=..., tag=...) starts "
    "an episode; each step is a CallToolAction (tool_name, arguments) naming one of the tools ListToolsAction lists: read and "
    "search code, edit it, run the tests or a snippet, debug, and submit (hidden tests score it and end the episode). "
    "Rewards (shaped): each full run_tests pays the change of the visible pass rate, submit pays the rest, so an episode's "
    "rewards add up to its score."
)


class ToolErrorModel(BaseModel):
    error_type: str = Field(description="tool_not_found, invalid_args or execution_error")
    message: str


class DebugboxObservation(BaseModel):
    """A step's observation: a tool call's (tool_name, result, error), list_tools' (tools) or reset's (structured)."""

    model_config = ConfigDict(extra="allow")
    done: bool = False
    reward: float | None = None
    text: str | None = Field(None, description="what the tool returned, written for a model")
    tool_name: str | None = None
    result: dict[str, Any] | None = Field(None, description="MCP CallToolResult shape: content (text), structured_content, data, is_error")
    error: ToolErrorModel | None = Field(None, description="a bad call: nothing changed and no step was charged")
    tools: list[dict[str, Any]] | None = None
    metadata: dict[str, Any] = Field(
        default_factory=dict,
        description="episode_id, task_id, step, steps_remaining, max_steps, main_file, code (the main file now), last_output, "
        "syntax_error, done; score, resolved and end_reason once done",
    )


class DebugboxState(BaseModel):
    model_config = ConfigDict(extra="allow")
    episode_id: str | None = None
    step_count: int = 0
    task_id: str | None = None
    steps_remaining: int | None = None
    done: bool | None = None
    score: float | None = None


def all_schemas() -> dict:
    action = {
        "oneOf": [CallToolAction.model_json_schema(), ListToolsAction.model_json_schema()],
        "description": "call_tool with one of the tools: " + ", ".join(TOOLS),
    }
    return {"action": action, "observation": DebugboxObservation.model_json_schema(), "state": DebugboxState.model_json_schema()}


def metadata() -> dict:
    return {
        "name": "debugbox",
        "description": DESCRIPTION,
        "readme_content": None,
        "version": "0.1.0",
        "author": "debugbox",
        "documentation_url": None,
    }


def openapi() -> dict:
    """A minimal OpenAPI document: OpenEnv's validator reads info.version and the paths (simulation mode)."""
    paths = {
        "/health": {"get": {"summary": "health"}},
        "/metadata": {"get": {"summary": "environment metadata"}},
        "/schema": {"get": {"summary": "action, observation and state JSON schemas"}},
        "/reset": {"post": {"summary": "start an episode: task_id, or seed with difficulty and tag"}},
        "/step": {"post": {"summary": "one action on the episode named by episode_id"}},
        "/state": {"get": {"summary": "an episode's state (episode_id)"}},
        "/mcp": {"post": {"summary": "MCP JSON-RPC: openenv/session/create, tools/list, tools/call (start_task, then the tools), openenv/session/close"}},
    }
    return {"openapi": "3.1.0", "info": {"title": "debugbox (OpenEnv)", "version": "0.1.0"}, "paths": paths}
