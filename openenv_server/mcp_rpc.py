"""OpenEnv's MCP JSON-RPC surface (`POST /mcp`, and `{"type": "mcp"}` messages on `/ws`), as the
released client's production mode speaks it (openenv-core 0.3, MCPToolClient with
use_production_mode): `openenv/session/create` -> `{session_id}`, then `tools/list` and
`tools/call` with that `session_id` in params, and `openenv/session/close`.

A session here is an OpenEnv session as on `/ws`: at most one live episode. Since `/mcp` has no
reset, the episode starts with the `start_task` tool (reset's parameters: task_id, or a seed with
difficulty and tag), the one tool that `/mcp` adds to the OpenEnv tools; a second start_task ends
the first episode, as a reset does. `list_tasks` needs no session. Results are the MCP
CallToolResult shape (content, structured_content, data, is_error); a bad call is a JSON-RPC error
whose message says what to do and whose data names the error_type, and costs nothing.

Sessions are owned by the caller's token. One with a live episode is bounded by the registry's
episode limits; those without (created, or their episode over) are bounded per token
(MAX_IDLE_SESSIONS_PER_OWNER: one more forgets that token's least recently used one, so no token
can crowd out another's, and a client that never closes its sessions still works) and in all
(MAX_SESSIONS). One unused for the server's idle timeout is forgotten (its episode, if any, has
been ended by the registry's idle sweep).
"""

from __future__ import annotations

import time
from typing import Any

from environment.errors import quoted
from environment.service import DebugService
from openenv_server.session import ProtocolError, ResetParams, Session
from openenv_server.tools import TOOLS, tool_list

PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS, SERVER_ERROR = -32700, -32600, -32601, -32602, -32000
MAX_SESSIONS = 1024
MAX_IDLE_SESSIONS_PER_OWNER = 64

START_TASK = {
    "name": "start_task",
    "description": "Start this session's episode (ending any live one, unscored): task_id, or a seed that picks a task among "
    "those difficulty and tag select. Returns the task's description and files. Free. (/mcp only: over /ws, send reset.)",
    "input_schema": ResetParams.model_json_schema(),
}


class RpcError(Exception):
    def __init__(self, code: int, message: str, data: dict | None = None):
        super().__init__(message)
        self.code, self.data = code, data


def mcp_tools() -> list[dict]:
    return [START_TASK, *tool_list()]


class McpSessions:
    """The HTTP /mcp sessions of one server: session_id -> (Session, last use)."""

    def __init__(self, service: DebugService):
        self.service = service
        self._sessions: dict[str, tuple[Session, float]] = {}

    async def handle(self, rpc: Any, owner: str, connection: Session | None = None) -> dict:
        """One JSON-RPC request -> its response. connection: the /ws connection's own session."""
        rpc_id = rpc.get("id") if isinstance(rpc, dict) else None
        try:
            if not isinstance(rpc, dict) or rpc.get("jsonrpc") != "2.0" or not isinstance(rpc.get("method"), str):
                raise RpcError(INVALID_REQUEST, "A JSON-RPC 2.0 request: {'jsonrpc': '2.0', 'method': ..., 'params': {...}, 'id': ...}.")
            params = rpc.get("params") or {}
            if not isinstance(params, dict):
                raise RpcError(INVALID_PARAMS, "params must be an object.")
            result = await self._dispatch(rpc["method"], params, owner, connection)
            return {"jsonrpc": "2.0", "id": rpc_id, "result": result}
        except RpcError as exc:
            error = {"code": exc.code, "message": str(exc), **({"data": exc.data} if exc.data else {})}
            return {"jsonrpc": "2.0", "id": rpc_id, "error": error}

    async def _dispatch(self, method: str, params: dict, owner: str, connection: Session | None) -> Any:
        if method == "tools/list":
            return {"tools": mcp_tools()}
        if method == "openenv/session/create":
            return {"session_id": connection.session_id if connection else self._create(owner)}
        if method == "openenv/session/close":
            return await self._close(params.get("session_id"), owner, connection)
        if method == "tools/call":
            name, arguments = params.get("name"), params.get("arguments") or {}
            if not isinstance(name, str) or not isinstance(arguments, dict):
                raise RpcError(INVALID_PARAMS, "tools/call takes params {'name': TOOL, 'arguments': {...}, 'session_id': ...}.")
            if name == "list_tasks":  # the catalog needs no session
                return await self._call(Session(self.service, owner), name, arguments)
            session = connection or self._session(params.get("session_id"), owner)
            return await self._call(session, name, arguments)
        raise RpcError(METHOD_NOT_FOUND, f"No method {quoted(method)} here: tools/list, tools/call, openenv/session/create, openenv/session/close.")

    # -- sessions --------------------------------------------------------------------------

    def _create(self, owner: str) -> str:
        self._prune()
        idle = sorted((used, sid) for sid, (session, used) in self._sessions.items() if session.owner == owner and not self._live(session))
        for _, session_id in idle[: max(0, len(idle) - MAX_IDLE_SESSIONS_PER_OWNER + 1)]:
            del self._sessions[session_id]  # this token's least recently used sessions without an episode
        if sum(not self._live(session) for session, _ in self._sessions.values()) >= MAX_SESSIONS:
            raise RpcError(SERVER_ERROR, f"This server holds {MAX_SESSIONS} MCP sessions without an episode, its limit: close one (openenv/session/close) and retry.")
        session = Session(self.service, owner)
        self._sessions[session.session_id] = (session, time.monotonic())
        return session.session_id

    def _session(self, session_id: Any, owner: str) -> Session:
        entry = self._sessions.get(session_id) if isinstance(session_id, str) else None
        if entry is None or entry[0].owner != owner:
            raise RpcError(
                INVALID_PARAMS,
                f"No MCP session {quoted(session_id)}: call openenv/session/create and pass its session_id in params.",
                {"error_type": "invalid_session"},
            )
        self._sessions[session_id] = (entry[0], time.monotonic())
        return entry[0]

    async def _close(self, session_id: Any, owner: str, connection: Session | None) -> dict:
        if connection is not None and session_id == connection.session_id:
            raise RpcError(INVALID_REQUEST, "This is the connection's own session: it closes with the connection (send close).")
        session = self._session(session_id, owner)
        del self._sessions[session_id]
        await session.close()
        return {"session_id": session_id, "closed": True}

    def _live(self, session: Session) -> bool:
        return session.episode_id is not None and session.episode_id in self.service.registry.handles

    def _prune(self) -> None:
        idle_s = self.service.settings.idle_timeout_s
        now = time.monotonic()
        for session_id, (session, used) in list(self._sessions.items()):
            if now - used > idle_s and (session.episode_id is None or session.episode_id not in self.service.registry.handles):
                del self._sessions[session_id]

    async def close_all(self) -> None:
        sessions, self._sessions = self._sessions, {}
        for session, _ in sessions.values():
            await session.close()

    # -- calls -----------------------------------------------------------------------------

    async def _call(self, session: Session, name: str, arguments: dict) -> dict:
        try:
            if name == "start_task":
                reply = await session.reset(arguments)
                return _result(reply["observation"]["text"], reply["observation"]["structured"])
            if name not in TOOLS:
                raise RpcError(INVALID_PARAMS, f"No tool {quoted(name)}. Call tools/list for the tools.", {"error_type": "tool_not_found"})
            reply = await session.step({"type": "call_tool", "tool_name": name, "arguments": arguments})
        except ProtocolError as exc:
            raise RpcError(INVALID_REQUEST if exc.code == "SESSION_ERROR" else INVALID_PARAMS, _for_mcp(str(exc)), {"error_type": exc.code}) from None
        observation = reply["observation"]
        if observation.get("error"):
            error = observation["error"]
            code = SERVER_ERROR if error["error_type"] == "execution_error" else INVALID_PARAMS
            raise RpcError(code, error["message"], {"error_type": error["error_type"]})
        return {**observation["result"], "reward": reply["reward"], "done": reply["done"]}


def _result(text: str, structured: dict) -> dict:
    return {"content": [{"type": "text", "text": text}], "structured_content": structured, "data": structured, "is_error": False}


def _for_mcp(message: str) -> str:
    """The session's advice names /ws's reset; over /mcp the same thing is the start_task tool."""
    return message.replace("send reset", "call the start_task tool").replace("reset with", "start_task with")
