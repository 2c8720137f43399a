"""The runner's byte streams over one exec WebSocket (the `v4.channel.k8s.io` channel protocol).

Each WebSocket message is one channel byte and its payload: 0 stdin (to the pod), 1 stdout,
2 stderr, 3 the exec's final status (from the pod). The runner protocol's JSON lines travel on
stdin and stdout exactly as on the Docker attach stream; stderr goes to the server log.

The stream is read all the time, not only while a request waits for its answer: aiohttp answers
the other side's pings only while something reads, and an episode's stream sits idle for minutes
between steps (an unanswered ping closes it). A bounded queue keeps what arrives between requests.
"""

from __future__ import annotations

import asyncio
import json
import logging

import aiohttp
import anyio
from anyio.abc import ByteReceiveStream, ByteSendStream

log = logging.getLogger(__name__)

STDIN, STDOUT, STDERR, STATUS = 0, 1, 2, 3
MAX_STDIN_MESSAGE = 1 << 20  # the API server relays messages; a run's request is split into these
# stdout messages held unread (each at most aiohttp's 4 MiB message cap); past it the reader waits,
# and so does the runner: what a stream may hold in the server stays bounded.
QUEUED_MESSAGES = 16
_END = b""


class ExecStream(ByteSendStream, ByteReceiveStream):
    def __init__(self, websocket: aiohttp.ClientWebSocketResponse, *, name: str):
        self._ws = websocket
        self.name = name
        self.exit_status: dict | None = None
        self._stdout: asyncio.Queue[bytes] = asyncio.Queue(QUEUED_MESSAGES)
        self._ended = False
        # aiohttp is asyncio's: its socket is read by an asyncio task of its own.
        self._reader = asyncio.get_running_loop().create_task(self._read(), name=f"exec stream of {name}")

    async def _read(self) -> None:
        try:
            while True:
                message = await self._ws.receive()
                if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                    return
                if message.type != aiohttp.WSMsgType.BINARY or not message.data:
                    continue
                channel, payload = message.data[0], bytes(message.data[1:])
                if channel == STDOUT and payload:
                    await self._stdout.put(payload)
                elif channel == STDERR and payload:
                    log.warning("%s runner: %s", self.name, payload[:2000].decode(errors="replace").rstrip())
                elif channel == STATUS:
                    try:
                        self.exit_status = json.loads(payload or b"{}")
                    except ValueError:
                        self.exit_status = {"status": "Failure", "message": payload[:200].decode(errors="replace")}
                    log.info("%s: the runner's exec ended: %s", self.name, self.exit_status)
        except (aiohttp.ClientError, ConnectionError, RuntimeError):
            return
        finally:
            self._ended = True
            try:
                self._stdout.put_nowait(_END)
            except asyncio.QueueFull:
                pass  # receive() sees _ended once it drains the queue

    async def send(self, item: bytes) -> None:
        if self._ws.closed:
            raise anyio.BrokenResourceError
        try:
            for start in range(0, len(item), MAX_STDIN_MESSAGE):
                await self._ws.send_bytes(bytes([STDIN]) + item[start : start + MAX_STDIN_MESSAGE])
        except (aiohttp.ClientError, ConnectionError, RuntimeError) as exc:  # RuntimeError: aiohttp's "closing transport"
            raise anyio.BrokenResourceError from exc

    async def receive(self, max_bytes: int = 65536) -> bytes:
        if self._ended and self._stdout.empty():
            raise anyio.EndOfStream
        payload = await self._stdout.get()
        if payload is _END or not payload:
            self._ended = True
            raise anyio.EndOfStream
        return payload

    async def send_eof(self) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        # Closing the WebSocket ends the exec: the runner reads EOF on stdin and exits.
        with anyio.CancelScope(shield=True), anyio.move_on_after(5):
            await self._ws.close()
        self._reader.cancel()
