"""The server's side of the runner protocol: JSON lines over any pair of anyio byte streams.

Both backends talk to the same runner through this class: the local one over a subprocess's
pipes, the Docker one over the container's attached stream.
"""

from __future__ import annotations

import itertools
import json
import logging
from typing import Any

import anyio
from anyio.abc import ByteReceiveStream, ByteSendStream
from anyio.streams.buffered import BufferedByteReceiveStream
from pydantic import ValidationError

from sandbox.base import DebugAnswer, DebugStartRequest, EventCallback, RunRequest, RunResult, SandboxError

log = logging.getLogger(__name__)

MAX_EVENT_BYTES = 32 * 1024 * 1024
# The runner's protocol this server speaks (sandbox/runner.py PROTOCOL_VERSION); a runner that
# answers with another is refused on connect, with what to do about it.
RUNNER_PROTOCOL = 5  # 4: debug_start, debug_command, debug_stop and runs of kind trace; 5: [tests] root, args, markers, preload
# The runner enforces the run's own timeout; this margin covers forking, a hard kill and cleanup.
SUPERVISION_MARGIN_S = 15.0


class RunnerChannel:
    def __init__(self, send: ByteSendStream, receive: ByteReceiveStream, *, name: str = "runner"):
        self._send = send
        self._receive = BufferedByteReceiveStream(receive)
        self._lock = anyio.Lock()
        self._ids = itertools.count(1)
        self._broken: str | None = None
        self.name = name

    @property
    def broken(self) -> str | None:
        return self._broken

    async def ping(self, timeout_s: float = 10.0) -> dict[str, Any]:
        pong = await self._exchange({"op": "ping"}, timeout_s, None)
        if pong.get("protocol") != RUNNER_PROTOCOL:
            self._broken = f"runner protocol {pong.get('protocol')!r}, this server speaks {RUNNER_PROTOCOL}"
            raise SandboxError(
                f"{self.name} runs a runner of protocol {pong.get('protocol')!r}, but this server speaks {RUNNER_PROTOCOL}: "
                "rebuild the sandbox image (`debugbox image build`) or update the server"
            )
        return pong

    async def recycle(self, timeout_s: float = 30.0) -> list[str]:
        """End the episode's runner: what earlier runs left in the sandbox (files, processes, IPC
        objects), empty when clean; and when clean, the runner has replaced itself with a fresh one,
        proved by a ping that finds it has served no run."""
        done = await self._exchange({"op": "recycle"}, timeout_s, None)
        leftovers = done.get("leftovers")
        if not isinstance(leftovers, list) or done.get("clean") is not (not leftovers):
            return ["the runner gave no usable audit"]
        if leftovers:
            return [str(item) for item in leftovers]
        if (await self.ping(timeout_s)).get("runs") != 0:
            self._broken = "the runner did not replace itself after a recycle"
            return [self._broken]
        return []

    async def run(self, request: RunRequest, on_event: EventCallback | None = None) -> RunResult:
        payload = {"op": "run", **request.model_dump(mode="json")}
        done = await self._exchange(payload, request.timeout_s + SUPERVISION_MARGIN_S, on_event)
        try:
            return RunResult.model_validate(done)
        except ValidationError as exc:
            self._broken = f"runner sent a malformed result: {exc}"
            raise SandboxError(self._broken) from exc

    async def debug_start(self, request: DebugStartRequest) -> DebugAnswer:
        target = {"kind": "test", "test": request.test} if request.test is not None else {"kind": "python", "code": request.code or ""}
        payload = {"op": "debug_start", **request.model_dump(mode="json", exclude={"test", "code"}), "target": target}
        return await self._debug(payload, request.start_timeout_s)

    async def debug_command(self, command: str, timeout_s: float | None = None) -> DebugAnswer:
        # The runner interrupts a command at its timeout and kills the session 2 s later.
        return await self._debug({"op": "debug_command", "command": command, "timeout_s": timeout_s}, timeout_s or 10.0)

    async def debug_stop(self) -> DebugAnswer:
        return await self._debug({"op": "debug_stop"}, 10.0)

    async def _debug(self, payload: dict[str, Any], timeout_s: float) -> DebugAnswer:
        done = await self._exchange(payload, timeout_s + SUPERVISION_MARGIN_S, None)
        try:
            return DebugAnswer.model_validate(done)
        except ValidationError as exc:
            self._broken = f"runner sent a malformed debugger answer: {exc}"
            raise SandboxError(self._broken) from exc

    async def _exchange(self, payload: dict[str, Any], timeout_s: float, on_event: EventCallback | None) -> dict[str, Any]:
        async with self._lock:
            if self._broken:
                raise SandboxError(f"{self.name} is unusable: {self._broken}")
            request_id = next(self._ids)
            try:
                with anyio.fail_after(timeout_s):
                    await self._send.send((json.dumps({**payload, "id": request_id}) + "\n").encode())
                    while True:
                        event = await self._next_event()
                        if event.get("id") != request_id:
                            continue  # a late event of a request whose caller was cancelled
                        kind = event.get("event")
                        if kind in ("done", "pong"):
                            return event
                        if kind == "error":
                            raise SandboxError(f"{self.name} refused the request: {event.get('message')}")
                        if on_event is not None:
                            await on_event(event)
            except TimeoutError:
                self._broken = f"no answer within {timeout_s:.0f} s"
                raise SandboxError(f"{self.name} did not answer within {timeout_s:.0f} s") from None
            except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError, OSError) as exc:
                self._broken = f"connection lost ({type(exc).__name__})"
                raise SandboxError(f"{self.name} connection lost: the sandbox process ended") from exc

    async def _next_event(self) -> dict[str, Any]:
        try:
            line = await self._receive.receive_until(b"\n", MAX_EVENT_BYTES)
        except anyio.DelimiterNotFound:
            self._broken = "an event exceeded the size limit"
            raise SandboxError(f"{self.name} sent an oversized event") from None
        except anyio.IncompleteRead:
            raise anyio.EndOfStream from None
        try:
            event = json.loads(line)
        except ValueError:
            log.warning("%s: ignoring a non-JSON line: %r", self.name, line[:200])
            return {}
        return event if isinstance(event, dict) else {}
