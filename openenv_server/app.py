"""The OpenEnv wire protocol as the OpenEnv release's clients speak it (openenv-core 0.3):

- `/ws`: one session per connection, JSON messages `{"type": "reset"|"step"|"state"|"close", "data": ...}`
  answered by `{"type": "observation", "data": {"observation", "reward", "done"}}`, `{"type": "state",
  "data": ...}` or `{"type": "error", "data": {"message", "code"}}`; an error leaves the connection
  open. The connection's end ends its episode and removes its sandbox.
- stateless HTTP: `POST /reset` (starts an episode; its `episode_id` is in the observation's metadata),
  `POST /step` (`{"action": ..., "episode_id": ...}`), `GET /state?episode_id=`; such episodes end by
  submit, budget or the server's idle timeout.
- `POST /mcp` (and `{"type": "mcp", "data": JSON-RPC}` on `/ws`): MCP JSON-RPC, openenv_server/mcp_rpc.py.
- `GET /health`, `GET /schema` (action, observation and state JSON schemas), `GET /metadata`.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from environment.service import DebugService
from openenv_server import schemas
from openenv_server.mcp_rpc import PARSE_ERROR, McpSessions
from openenv_server.security import Security
from openenv_server.session import ProtocolError, Session

log = logging.getLogger(__name__)
MAX_MESSAGE_BYTES = 8 * 1024 * 1024
# json.loads holds the GIL, and the event loop, for its whole run: 8 MB of '1,1,1,...' takes 0.35 s,
# and a client could send one after another. Long strings (a file's new code) parse fast; many small
# values do not, so their number is bounded: 250k (each ',' '[' '{' counts) parse in ~20 ms, and a
# file of the largest size an edit takes has fewer commas than that unless it is nothing else.
MAX_JSON_VALUES = 250_000
POLICY_VIOLATION = 1008


def _headers(scope_headers) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope_headers}


def build_app(service: DebugService, security: Security | None = None) -> Starlette:
    security = security or Security.build("127.0.0.1", [], [])
    http_sessions: dict[str, Session] = {}  # episode_id -> session, for the stateless HTTP routes
    mcp_sessions = McpSessions(service)  # session_id -> session, for /mcp

    def refused(request: Request) -> JSONResponse | str:
        headers = _headers(request.scope["headers"])
        if not security.origin_ok(headers):
            return JSONResponse({"detail": "origin or host not allowed (a loopback server answers only loopback names)"}, status_code=403)
        owner = security.caller(headers)
        if owner is None:
            return JSONResponse({"detail": "missing or bad bearer token"}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return owner

    async def body(request: Request) -> dict:
        raw = await _read_body(request)
        if not raw:
            return {}
        data = decode_json(raw)
        if not isinstance(data, dict):
            raise ProtocolError("The body must be a JSON object.", "VALIDATION_ERROR")
        return data

    def error_response(exc: ProtocolError) -> JSONResponse:
        status = 422 if exc.code in ("VALIDATION_ERROR", "INVALID_JSON") else 409 if exc.code == "SESSION_ERROR" else 400
        return JSONResponse({"detail": str(exc), "code": exc.code}, status_code=status)

    async def health(request: Request) -> JSONResponse:
        closing = service.registry.closing
        return JSONResponse({"status": "unhealthy" if closing else "healthy"}, status_code=503 if closing else 200)

    async def metadata(request: Request) -> JSONResponse:
        return JSONResponse(schemas.metadata())

    async def schema(request: Request) -> JSONResponse:
        return JSONResponse(schemas.all_schemas())

    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(schemas.openapi())

    async def mcp(request: Request) -> JSONResponse:
        """OpenEnv's MCP JSON-RPC endpoint (openenv_server/mcp_rpc.py): sessions, tools/list, tools/call."""
        owner = refused(request)
        if isinstance(owner, JSONResponse):
            return owner
        try:
            rpc = decode_json(await _read_body(request) or b"{}")
        except ProtocolError as exc:
            return JSONResponse({"jsonrpc": "2.0", "id": None, "error": {"code": PARSE_ERROR, "message": f"Parse error: {exc}"}})
        return JSONResponse(await mcp_sessions.handle(rpc, owner))

    def prune() -> None:
        for episode_id in [e for e in http_sessions if e not in service.registry.handles]:
            del http_sessions[episode_id]

    async def reset(request: Request) -> JSONResponse:
        owner = refused(request)
        if isinstance(owner, JSONResponse):
            return owner
        prune()
        session = Session(service, owner)
        try:
            result = await session.reset(await body(request))
        except ProtocolError as exc:
            return error_response(exc)
        http_sessions[session.episode_id] = session
        return JSONResponse(result)

    def http_session(owner: str, episode_id: Any) -> Session:
        session = http_sessions.get(episode_id) if isinstance(episode_id, str) else None
        if session is None or session.owner != owner:
            raise ProtocolError(
                "No such HTTP episode: pass the episode_id that POST /reset returned (observation.metadata.episode_id), or POST /reset.",
                "SESSION_ERROR",
            )
        return session

    async def step(request: Request) -> JSONResponse:
        owner = refused(request)
        if isinstance(owner, JSONResponse):
            return owner
        try:
            data = await body(request)
            if "action" not in data:
                raise ProtocolError("POST /step takes {'action': {...}, 'episode_id': ...}.", "VALIDATION_ERROR")
            action = data["action"]
            episode_id = data.get("episode_id")
            if episode_id is None and isinstance(action, dict) and isinstance(action.get("metadata"), dict):
                episode_id = action["metadata"].get("episode_id")
            if episode_id is None and isinstance(action, dict) and action.get("type") == "list_tools":
                return JSONResponse(await Session(service, owner).step(action))
            return JSONResponse(await http_session(owner, episode_id).step(action))
        except ProtocolError as exc:
            return error_response(exc)

    async def state(request: Request) -> JSONResponse:
        owner = refused(request)
        if isinstance(owner, JSONResponse):
            return owner
        episode_id = request.query_params.get("episode_id")
        if episode_id is None:
            return JSONResponse({"episode_id": None, "step_count": 0})
        try:
            return JSONResponse(http_session(owner, episode_id).state())
        except ProtocolError as exc:
            return error_response(exc)

    async def websocket(ws: WebSocket) -> None:
        headers = _headers(ws.scope["headers"])
        owner = security.caller(headers)
        if owner is None or not security.origin_ok(headers):
            await ws.close(code=POLICY_VIOLATION, reason="missing or bad bearer token" if owner is None else "origin or host not allowed")
            return
        await ws.accept()
        session = Session(service, owner)
        try:
            await _serve(ws, session, mcp_sessions)
        except Exception as exc:  # a send to a connection that just went away, or a bug: the episode ends either way
            log.debug("OpenEnv connection ended: %r", exc)
        finally:
            with anyio.CancelScope(shield=True):
                await session.close()

    routes = [
        Route("/health", health, methods=["GET"]),
        Route("/metadata", metadata, methods=["GET"]),
        Route("/schema", schema, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/mcp", mcp, methods=["POST"]),
        Route("/reset", reset, methods=["POST"]),
        Route("/step", step, methods=["POST"]),
        Route("/state", state, methods=["GET"]),
        WebSocketRoute("/ws", websocket),
    ]
    return Starlette(routes=routes)


async def _serve(ws: WebSocket, session: Session, mcp_sessions: McpSessions) -> None:
    """Read messages while the previous one is being answered, so that a dropped connection is seen
    at once: it cancels the step in flight (its processes are killed), and the caller ends the episode."""
    inbox, outbox = anyio.create_memory_object_stream[str | bytes](4)
    async with anyio.create_task_group() as tg:
        tg.start_soon(_answer, ws, session, mcp_sessions, outbox, tg.cancel_scope)
        try:
            while True:
                await inbox.send(await _receive(ws))
        except WebSocketDisconnect:
            pass
        finally:
            tg.cancel_scope.cancel()


async def _answer(ws: WebSocket, session: Session, mcp_sessions: McpSessions, messages, scope: anyio.CancelScope) -> None:
    async for raw in messages:
        if len(raw) > MAX_MESSAGE_BYTES:
            await _send(ws, "error", {"message": f"Message too large (over {MAX_MESSAGE_BYTES} bytes).", "code": "VALIDATION_ERROR"})
            continue
        try:
            message = decode_json(raw)
        except ProtocolError as exc:
            await _send(ws, "error", {"message": str(exc), "code": exc.code})
            continue
        kind = message.get("type") if isinstance(message, dict) else None
        try:
            if kind == "reset":
                await _send(ws, "observation", await session.reset(message.get("data") or {}))
            elif kind == "step":
                await _send(ws, "observation", await session.step(message.get("data")))
            elif kind == "state":
                await _send(ws, "state", session.state())
            elif kind == "mcp":  # JSON-RPC over the connection's own session
                await _send(ws, "mcp", await mcp_sessions.handle(message.get("data"), session.owner, connection=session))
            elif kind == "close":
                scope.cancel()
                return
            else:
                await _send(ws, "error", {"message": f"Unknown message type: {kind!r} (reset, step, state, mcp or close).", "code": "UNKNOWN_TYPE"})
        except ProtocolError as exc:
            await _send(ws, "error", {"message": str(exc), "code": exc.code})


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def decode_json(raw: str | bytes) -> Any:
    """A message or body as JSON, or a ProtocolError saying why not. json.loads raises more than
    JSONDecodeError on hostile input: bad UTF-8, an integer past Python's digit limit, nesting past
    the recursion limit; and it takes NaN and Infinity, which no JSON reply can carry back."""
    if len(raw) > 65_536:
        separators = (",", "[", "{") if isinstance(raw, str) else (b",", b"[", b"{")
        values = sum(raw.count(c) for c in separators)  # C speed, and an upper bound: strings count too
        if values > MAX_JSON_VALUES:
            raise ProtocolError(f"Invalid JSON: over {MAX_JSON_VALUES} values in one message (no action needs that many).", "INVALID_JSON")
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except RecursionError:
        raise ProtocolError("Invalid JSON: nested too deeply.", "INVALID_JSON") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, the int digit limit, NaN
        raise ProtocolError(f"Invalid JSON: {exc}", "INVALID_JSON") from None


async def _read_body(request: Request) -> bytes:
    """The body, refused past MAX_MESSAGE_BYTES before it is all in memory."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_MESSAGE_BYTES:
            raise ProtocolError(f"Request too large (over {MAX_MESSAGE_BYTES} bytes).", "VALIDATION_ERROR")
        chunks.append(chunk)
    return b"".join(chunks)


async def _receive(ws: WebSocket) -> str | bytes:
    """The next message, text or binary (a binary frame is read as UTF-8 JSON, not a reason to drop the connection)."""
    message = await ws.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
    return message["text"] if message.get("text") is not None else message.get("bytes") or b""


async def _send(ws: WebSocket, kind: str, data: dict) -> None:
    await ws.send_text(json.dumps({"type": kind, "data": data}))
