"""One OpenEnv session: at most one live episode, started by reset, stepped by actions, ended by
the next reset or by close (a WebSocket connection's end). Knows the OpenEnv shapes, not the wire.

Observations carry what the seeds' observations carried, in `metadata`: the main file's code, the
last execution output, the syntax error of the last edit, the step budget, and the score once done.
A bad call (a domain error) is a CallToolObservation with `error` set: it changes nothing and costs
no step. A bad message (no episode yet, an episode already done, a malformed action) is a
ProtocolError, which the transport turns into its own error; the session lives on.
"""

from __future__ import annotations

import random
import secrets
from typing import Any

import anyio
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from environment.errors import SANDBOX_FAILURE_CODE, DebugboxError, SubmitFailed, quoted
from environment.episode import Episode
from environment.service import DebugService
from openenv_server.tools import TOOLS, tool_list
from sandbox.base import SandboxError

MAX_CODE_METADATA_CHARS = 200_000
OUTPUT_TOOLS = {"run_tests", "run_python", "debug_start", "debug_command", "debug_stop", "trace"}


class ProtocolError(Exception):
    """A message the session cannot act on. `code` is one of OpenEnv's WSErrorCode values."""

    def __init__(self, message: str, code: str = "EXECUTION_ERROR"):
        super().__init__(message)
        self.code = code


class ResetParams(BaseModel):
    """reset's data: a task_id, or a seed that picks one among the tasks the filters select."""

    model_config = ConfigDict(extra="forbid")
    task_id: str | None = Field(None, description="the task to play (see the list_tasks tool)")
    seed: int | None = Field(None, ge=0, description="without task_id: picks a task among those difficulty and tag select")
    difficulty: str | None = Field(None, description="with seed: only tasks of this difficulty")
    tag: str | None = Field(None, description="with seed: only tasks with this tag")
    max_steps: int | None = Field(None, ge=1, description="step budget (default: the task's own)")
    episode_id: str | None = Field(None, description="accepted for OpenEnv compatibility and ignored: the server names episodes")


class ListToolsAction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str = "list_tools"
    metadata: dict[str, Any] = Field(default_factory=dict)


class CallToolAction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str = "call_tool"
    tool_name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)


def parse_action(data: Any) -> ListToolsAction | CallToolAction:
    if not isinstance(data, dict):
        raise ProtocolError("An action is a JSON object: {'type': 'call_tool', 'tool_name': ..., 'arguments': {...}} or {'type': 'list_tools'}.", "VALIDATION_ERROR")
    kind = data.get("type", "call_tool" if "tool_name" in data else None)
    try:
        if kind == "list_tools":
            return ListToolsAction.model_validate(data)
        if kind == "call_tool":
            return CallToolAction.model_validate({**data, "type": "call_tool"})
    except ValidationError as exc:
        raise ProtocolError(f"Malformed {kind} action: {_errors(exc)}", "VALIDATION_ERROR") from None
    raise ProtocolError(f"Unknown action type {quoted(kind)}: use 'call_tool' (tool_name, arguments) or 'list_tools'.", "VALIDATION_ERROR")


def _errors(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in exc.errors(include_url=False))


class Session:
    def __init__(self, service: DebugService, owner: str):
        self.service = service
        self.owner = owner
        self.session_id = "ses_" + secrets.token_hex(16)  # what /mcp's openenv/session/create returns
        self.episode_id: str | None = None
        self.last_output: str | None = None
        self.syntax_error: str | None = None
        # reset and close take turns: two resets at once on one /mcp session each started an episode
        # and only the last was remembered; the others ran on, unreachable, until the idle timeout.
        self._turn = anyio.Lock()

    # -- reset -----------------------------------------------------------------------------

    async def reset(self, data: dict | None) -> dict:
        async with self._turn:
            return await self._reset(data)

    async def _reset(self, data: dict | None) -> dict:
        try:
            params = ResetParams.model_validate(data or {})
        except ValidationError as exc:
            raise ProtocolError(f"Bad reset parameters: {_errors(exc)}", "VALIDATION_ERROR") from None
        task_id = params.task_id or self._pick(params)
        if self.service.catalog.get(task_id) is None:  # before ending the live episode: a typo must not cost it
            raise ProtocolError(f"No task {quoted(task_id)} (task_id). Call the list_tasks tool to see the available task ids.", "VALIDATION_ERROR")
        await self._close()
        try:
            started = await self.service.start_task(task_id, params.max_steps, owner=self.owner)
        except (DebugboxError, SandboxError) as exc:
            raise ProtocolError(_error_text(exc)) from None
        self.episode_id = started.episode_id
        self.last_output = self.syntax_error = None
        text = started.text()
        observation = {"text": text, "structured": started.model_dump(mode="json"), "metadata": {"text": text, **self._metadata()}}
        return {"observation": observation, "reward": None, "done": False}

    def _pick(self, params: ResetParams) -> str:
        try:
            tasks = [t.task_id for t in self.service.list_tasks(params.difficulty, params.tag).tasks]
        except DebugboxError as exc:
            raise ProtocolError(str(exc), "VALIDATION_ERROR") from None
        if not tasks:
            raise ProtocolError("No task matches difficulty and tag: reset with other filters, or a task_id from the list_tasks tool.", "VALIDATION_ERROR")
        return random.Random(params.seed).choice(sorted(tasks))

    # -- step ------------------------------------------------------------------------------

    async def step(self, data: Any) -> dict:
        action = parse_action(data)
        if isinstance(action, ListToolsAction):
            done = self._episode().done if self.episode_id else False
            return {"observation": {"tools": tool_list(), "metadata": self._metadata()}, "reward": 0.0, "done": done}
        spec = TOOLS.get(action.tool_name)
        if spec is None:
            return self._tool_error(action.tool_name, "tool_not_found", f"No tool {quoted(action.tool_name)}. Send a list_tools action for the tools.")
        if spec.episode:
            episode = self._episode()
            if episode.done:
                raise ProtocolError(f"The episode {episode.episode_id} is done (score {episode.score or 0:.2f}); send reset to start a new one.")
        try:
            args = spec.args.model_validate(action.arguments)
        except ValidationError as exc:
            return self._tool_error(spec.name, "invalid_args", f"Bad arguments for {spec.name}: {_errors(exc)}")
        if spec.episode and getattr(args, "episode_id", None) not in (None, self.episode_id):
            return self._tool_error(spec.name, "invalid_args", f"episode_id {quoted(args.episode_id)} is not this session's episode ({self.episode_id}); leave it out.")
        try:
            result = await spec.call(self.service, self.episode_id or "", self.owner, args)
        except (DebugboxError, SandboxError, SubmitFailed) as exc:
            return self._tool_error(spec.name, "execution_error", _error_text(exc))
        text = result.text()
        self._remember(spec.name, result, text)
        structured = result.model_dump(mode="json")
        observation = {
            "tool_name": spec.name,
            "result": {"content": [{"type": "text", "text": text}], "structured_content": structured, "data": structured, "is_error": False},
            "error": None,
            "text": text,
            "metadata": self._metadata(),
        }
        reward = float(getattr(result, "reward", 0.0))
        done = self._episode().done if self.episode_id else False
        return {"observation": observation, "reward": reward, "done": done}

    def _tool_error(self, tool_name: str, kind: str, message: str) -> dict:
        observation = {
            "tool_name": tool_name,
            "result": None,
            "error": {"error_type": kind, "message": message},
            "text": message,
            "metadata": self._metadata(),
        }
        done = self._episode().done if self.episode_id else False
        return {"observation": observation, "reward": 0.0, "done": done}

    def _remember(self, tool: str, result: BaseModel, text: str) -> None:
        if tool in OUTPUT_TOOLS:
            self.last_output = text
        if hasattr(result, "syntax_ok"):
            issue = getattr(result, "syntax_error", None)
            if result.syntax_ok:
                self.syntax_error = None
            elif issue is not None:
                self.syntax_error = f"{result.path} line {issue.line}, column {issue.column}: {issue.message}"
            else:
                self.syntax_error = getattr(result, "syntax_unchecked", None) or "the syntax could not be checked"
        elif isinstance(getattr(result, "syntax", None), list):  # undo, reset_code: the files they restored
            broken = [f for f in result.syntax if f.syntax_error is not None]
            self.syntax_error = None if not broken else f"{broken[0].path} line {broken[0].syntax_error.line}: {broken[0].syntax_error.message}"

    # -- state and close -------------------------------------------------------------------

    def state(self) -> dict:
        if self.episode_id is None:
            return {"episode_id": None, "step_count": 0}
        summary = self._episode().summary()
        # OpenEnv's State names the step count step_count.
        return {"episode_id": summary.pop("episode_id"), "step_count": summary.pop("step"), **summary}

    async def close(self) -> None:
        """End the live episode (unscored) and remove its sandbox."""
        async with self._turn:
            await self._close()

    async def _close(self) -> None:
        episode_id, self.episode_id = self.episode_id, None
        if episode_id is not None:
            await self.service.registry.close_episode(episode_id, "client_closed")

    # -- helpers ---------------------------------------------------------------------------

    def _episode(self) -> Episode:
        if self.episode_id is None:
            raise ProtocolError("No episode yet: send reset (with a task_id, or a seed) first.", "SESSION_ERROR")
        try:
            return self.service.episode(self.episode_id, owner=self.owner)
        except DebugboxError:
            raise ProtocolError(f"The episode {self.episode_id} is gone (it ended long ago); send reset.", "SESSION_ERROR") from None

    def _metadata(self) -> dict:
        if self.episode_id is None:
            return {}
        ep = self._episode()
        code = ep.files.get(ep.task.spec.main_file)
        meta = {
            "episode_id": ep.episode_id,
            "task_id": ep.task.id,
            "step": ep.step,
            "steps_remaining": ep.steps_remaining,
            "max_steps": ep.max_steps,
            "main_file": ep.task.spec.main_file,
            "code": code[:MAX_CODE_METADATA_CHARS] if code is not None else None,
            "last_output": self.last_output,
            "syntax_error": self.syntax_error,
            "done": ep.done,
        }
        if ep.done:
            meta |= {"score": ep.score or 0.0, "resolved": bool(ep.resolved), "end_reason": ep.end_reason}
        return meta


def _error_text(exc: Exception) -> str:
    if isinstance(exc, SandboxError):
        return f"{SANDBOX_FAILURE_CODE} The episode's sandbox failed: {exc}. The step was not counted; retry the call."
    if isinstance(exc, SubmitFailed):
        return f"{SANDBOX_FAILURE_CODE} The sandbox failed while scoring: {exc}. The episode has ended with score 0; send reset."
    return str(exc)
