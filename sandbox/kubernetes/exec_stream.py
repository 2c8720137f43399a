"""The runner's byte streams over one exec WebSocket (the `v4.channel.k8s.io` channel protocol).

Each WebSocket message is one channel byte and its payload: 0 stdin (to the pod), 1 stdout,
2 stderr, 3 the exec's final status (from the pod). The runner protocol's JSON lines travel on
stdin and stdout exactly as on the Docker attach stream; stderr goes to the server log.
"""

from __future__ import annotations

import json
import logging

import aiohttp
import anyio
from anyio.abc import ByteReceiveStream, ByteSendStream

log = logging.getLogger(__name__)

STDIN, STDOUT, STDERR, STATUS = 0, 1, 2, 3
MAX_STDIN_MESSAGE = 1 << 20  # the API server relays messages; a run's request is split into these


class ExecStream(ByteSendStream, ByteReceiveStream):
    def __init__(self, websocket: aiohttp.ClientWebSocketResponse, *, name: str):
        self._ws = websocket
        self.name = name
        self.exit_status: dict | None = None

    async def send(self, item: bytes) -> None:
        if self._ws.closed:
            raise anyio.BrokenResourceError
        try:
            for start in range(0, len(item), MAX_STDIN_MESSAGE):
                await self._ws.send_bytes(bytes([STDIN]) + item[start : start + MAX_STDIN_MESSAGE])
        except (aiohttp.ClientError, ConnectionError, RuntimeError) as exc:  # RuntimeError: aiohttp's "closing transport"
            raise anyio.BrokenResourceError from exc

    async def receive(self, max_bytes: int = 65536) -> bytes:
        while True:
            try:
                message = await self._ws.receive()
            except (aiohttp.ClientError, ConnectionError) as exc:
                raise anyio.EndOfStream from exc
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                raise anyio.EndOfStream
            if message.type != aiohttp.WSMsgType.BINARY or not message.data:
                continue
            channel, payload = message.data[0], bytes(message.data[1:])
            if channel == STDOUT and payload:
                return payload
            if channel == STDERR and payload:
                log.warning("%s runner: %s", self.name, payload[:2000].decode(errors="replace").rstrip())
            elif channel == STATUS:
                try:
                    self.exit_status = json.loads(payload or b"{}")
                except ValueError:
                    self.exit_status = {"status": "Failure", "message": payload[:200].decode(errors="replace")}
                log.info("%s: the runner's exec ended: %s", self.name, self.exit_status)

    async def send_eof(self) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        # Closing the WebSocket ends the exec: the runner reads EOF on stdin and exits.
        with anyio.CancelScope(shield=True), anyio.move_on_after(5):
            await self._ws.close()
