"""The client core: a debugbox MCP connection (stdio or Streamable HTTP), its tools as OpenAI
function tools, and tool results in a shape a policy and a log can use.

Client code reaches the server only over MCP: nothing here imports `mcp_server` or `sandbox`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

# The bearer token for a server started with --auth-token. An environment variable, not a flag:
# a flag would show the secret in `ps`. (The server reads DEBUGBOX_AUTH_TOKENS, plural, never this.)
AUTH_TOKEN_ENV = "DEBUGBOX_AUTH_TOKEN"

# Variables the spawned server needs (sandbox settings, the Docker engine, the interpreter's own).
# Everything else stays out of its environment: the model's API keys above all.
# The server's own settings, and what task environments' wheel downloads need: the host's pip
# configuration (PIP_*, XDG_* for its config and cache files), proxies and certificate bundles.
SERVER_ENV_PREFIXES = (
    "DEBUGBOX_", "DOCKER_", "PYTHON", "VIRTUAL_ENV", "PIP_", "XDG_", "SSL_CERT_", "REQUESTS_CA_BUNDLE",
    "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy", "KUBECONFIG",
)


def server_command(backend: str | None = None, task_packs: Sequence[str] = ()) -> list[str]:
    """`debugbox serve` over stdio, run by this interpreter (so it works without the console script)."""
    command = [sys.executable, "-m", "cli", "serve"]
    if backend:
        command += ["--backend", backend]
    for pack in task_packs:
        command += ["--tasks", pack]
    return command


def stdio_params(backend: str | None = None, task_packs: Sequence[str] = ()) -> StdioServerParameters:
    command = server_command(backend, task_packs)
    env = {k: v for k, v in os.environ.items() if k.startswith(SERVER_ENV_PREFIXES)}
    return StdioServerParameters(command=command[0], args=command[1:], env=env)


@dataclass(frozen=True)
class ToolSpec:
    """One MCP tool as listed by the server."""

    name: str
    description: str
    input_schema: dict[str, Any]


@dataclass(frozen=True)
class ToolOutcome:
    """What one tool call returned: the text a model reads and the structured episode fields."""

    text: str
    data: dict[str, Any] = field(default_factory=dict)
    is_error: bool = False

    @property
    def reward(self) -> float:
        return 0.0 if self.is_error else float(self.data.get("reward") or 0.0)

    @property
    def done(self) -> bool:
        return not self.is_error and bool(self.data.get("done"))

    @property
    def submission(self) -> dict[str, Any] | None:
        """The score fields when this call ended the episode by scoring it (submit, or a spent budget)."""
        if self.is_error:
            return None
        if "score" in self.data and "resolved" in self.data:
            return self.data
        return self.data.get("submission")


def _text_of(result: Any) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content or [])


class DebugboxClient:
    """An open MCP session with a debugbox server.

    `DebugboxClient.stdio(backend=...)` spawns `debugbox serve`; `DebugboxClient.http(url)` connects to
    a running `debugbox serve --transport http` at its `/mcp` URL.
    """

    def __init__(self, target: StdioServerParameters | str, *, read_timeout_s: float | None = 600, token: str | None = None):
        self.target = target
        transport: Any = target
        if isinstance(target, str) and token:
            headers = {"Authorization": f"Bearer {token}"}
            transport = streamable_http_client(target, http_client=create_mcp_http_client(headers=headers))
        self._client = Client(transport, read_timeout_seconds=read_timeout_s)
        self.tools: list[ToolSpec] = []

    @classmethod
    def stdio(cls, backend: str | None = None, task_packs: Sequence[str] = ()) -> DebugboxClient:
        return cls(stdio_params(backend, task_packs))

    @classmethod
    def http(cls, url: str, token: str | None = None) -> DebugboxClient:
        """`token` (default: $DEBUGBOX_AUTH_TOKEN) is sent as `Authorization: Bearer`."""
        return cls(url, token=token if token is not None else os.environ.get(AUTH_TOKEN_ENV) or None)

    @property
    def description(self) -> str:
        if isinstance(self.target, str):
            return self.target
        return " ".join([self.target.command, *self.target.args])

    async def __aenter__(self) -> DebugboxClient:
        await self._client.__aenter__()
        try:
            self.tools = await self.list_tools()
        except BaseException:
            await self._client.__aexit__(*sys.exc_info())
            raise
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self._client.__aexit__(*exc_info)

    async def list_tools(self) -> list[ToolSpec]:
        listed = await self._client.list_tools()
        return [ToolSpec(t.name, t.description or "", dict(t.input_schema or {})) for t in listed.tools]

    async def call(self, name: str, arguments: dict[str, Any]) -> ToolOutcome:
        result = await self._client.call_tool(name, arguments)
        return ToolOutcome(text=_text_of(result), data=dict(result.structured_content or {}), is_error=bool(result.is_error))

    async def prompt(self, name: str, arguments: dict[str, str]) -> str:
        result = await self._client.get_prompt(name, arguments)
        return "\n\n".join(getattr(m.content, "text", "") for m in result.messages)

    async def resource(self, uri: str) -> str:
        result = await self._client.read_resource(uri)
        return "".join(getattr(c, "text", "") for c in result.contents)

    @property
    def instructions(self) -> str | None:
        return self._client.instructions


def openai_tool(spec: ToolSpec, *, optional: Iterable[str] = ()) -> dict[str, Any]:
    """An MCP tool as an OpenAI function tool. Arguments in `optional` are dropped from `required`
    (the caller fills them in when the model leaves them out)."""
    parameters = dict(spec.input_schema) or {"type": "object", "properties": {}}
    parameters.setdefault("type", "object")
    parameters.setdefault("properties", {})
    parameters.pop("title", None)  # a schema title like "view_codeArguments" tells a model nothing
    optional = set(optional)
    if "required" in parameters:
        required = [name for name in parameters["required"] if name not in optional]
        if required:
            parameters["required"] = required
        else:
            parameters.pop("required")
    if optional & set(parameters["properties"]):
        properties = dict(parameters["properties"])
        for name in optional & set(properties):
            prop = dict(properties[name])
            prop["description"] = (prop.get("description", "") + " (optional: filled in for you when omitted)").strip()
            properties[name] = prop
        parameters["properties"] = properties
    return {"type": "function", "function": {"name": spec.name, "description": spec.description.strip(), "parameters": parameters}}


def openai_tools(specs: Iterable[ToolSpec], *, optional: Iterable[str] = ()) -> list[dict[str, Any]]:
    optional = tuple(optional)
    return [openai_tool(spec, optional=optional) for spec in specs]
