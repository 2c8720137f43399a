"""Tool arguments a caller got wrong, told back in words a model can act on.

The SDK validates a call's arguments against the tool's signature and, when they do not fit,
returns pydantic's report ("1 validation error for replace_linesArguments ... [type=int_parsing,
input_value=...] For further information visit https://errors.pydantic.dev/..."). `DebugboxMCP`
checks what pydantic would let through (argument names the tool does not take, `true` for a
number, integers no line number could be) and rewrites validation errors into one clause per
argument: its name, what it must be, and what came, cut short.
"""

from __future__ import annotations

import json
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from pydantic import ValidationError

from mcp_server.errors import SandboxFailure

MAX_SHOWN_CHARS = 60
MAX_INTEGER = 2**63 - 1
KINDS = {"integer": "an integer", "number": "a number", "string": "a string", "boolean": "true or false", "array": "a list", "object": "an object"}


def shown(value: Any) -> str:
    """A caller's value in JSON notation, cut short: a 10 MB argument must not make a 10 MB message."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"an integer of {value.bit_length()} bits"
    try:
        text = json.dumps(value, ensure_ascii=True)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) <= MAX_SHOWN_CHARS:
        return text
    size = f"{len(value)} characters" if isinstance(value, str) else f"{len(text)} characters of JSON"
    return f"{text[:MAX_SHOWN_CHARS]}... ({size})"


def _types(prop: dict[str, Any]) -> list[str]:
    options = prop.get("anyOf") or [prop]
    return [o["type"] for o in options if isinstance(o.get("type"), str)]


def _expected(prop: dict[str, Any]) -> str:
    kinds = [KINDS.get(t, t) for t in _types(prop) if t != "null"]
    what = " or ".join(kinds) or "a value"
    if "null" in _types(prop):
        what += " (or omitted)"
    return what


def _signature(tool: str, schema: dict[str, Any]) -> str:
    required = set(schema.get("required", []))
    names = [name if name in required else f"{name}?" for name in schema.get("properties", {})]
    return f"{tool}({', '.join(names)})"


def _precheck(schema: dict[str, Any], arguments: dict[str, Any]) -> list[str]:
    """What pydantic's lax mode would accept but a caller surely did not mean."""
    properties = schema.get("properties", {})
    problems = [f"{name!r} is not an argument of this tool" for name in arguments if name not in properties]
    for name, value in arguments.items():
        types = _types(properties.get(name, {}))
        if not {"integer", "number"} & set(types):
            continue
        if isinstance(value, str):  # the SDK parses JSON inside strings for non-string arguments
            try:
                value = json.loads(value)
            except (ValueError, RecursionError):
                continue
        if isinstance(value, bool):
            problems.append(f"{name} must be {_expected(properties[name])} (got {shown(value)})")
        elif isinstance(value, int) and "integer" in types and abs(value) > MAX_INTEGER:
            problems.append(f"{name} must be an integer between {-MAX_INTEGER} and {MAX_INTEGER} (got {shown(value)})")
    return problems


def _from_validation(schema: dict[str, Any], error: ValidationError) -> list[str]:
    properties = schema.get("properties", {})
    problems: list[str] = []
    for err in error.errors():
        name = str(err["loc"][0]) if err["loc"] else "arguments"
        prop = properties.get(name, {})
        about = f": {prop['description']}" if prop.get("description") else ""
        if err["type"] == "missing":
            problem = f"{name} is required ({_expected(prop)}{about})"
        else:
            problem = f"{name} must be {_expected(prop)} (got {shown(err.get('input'))})"
        if problem not in problems:
            problems.append(problem)
    return problems


def _message(tool: str, schema: dict[str, Any], problems: list[str]) -> str:
    return f"Invalid arguments for {tool}: {'; '.join(problems)}. Call it as {_signature(tool, schema)}; nothing was changed."


class DebugboxMCP(MCPServer):
    """An MCPServer whose argument errors name the argument, what it must be and what came."""

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Context | None = None) -> Any:
        schema = self._tool_input_schema(name)
        if schema is None:
            tools = ", ".join(sorted(t.name for t in await self.list_tools()))
            raise ToolError(f"Unknown tool {shown(name)}. The tools are: {tools}.")
        if problems := _precheck(schema, arguments):
            raise ToolError(_message(name, schema, problems))
        try:
            return await super().call_tool(name, arguments, context)
        except UnexpectedToolError:
            raise
        except ToolError as exc:
            if isinstance(exc.__cause__, SandboxFailure):  # its text starts with the code, as the contract says
                raise SandboxFailure(str(exc.__cause__)) from None
            if not isinstance(exc.__cause__, ValidationError):
                raise
            # Keep the ValidationError as the cause: the SDK then logs field names, not values.
            raise ToolError(_message(name, schema, _from_validation(schema, exc.__cause__))) from exc.__cause__

