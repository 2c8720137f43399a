"""The fake cluster's kubelet: each pod is a private directory, and each exec into it a real local
process (the real runner, sandbox/runner.py), bridged to the exec WebSocket with the channel
protocol. Evicting or deleting a pod kills its processes and drops their streams, as a node would.

The paths of the pod's volumes (/workspace, /tmp) and /dev/shm map into the pod's directory; the
image's /opt/debugbox/runner.py is the checkout's runner; `--private-ipc` is dropped (a local
process shares the host's IPC namespace, whose objects are not the pod's to remove).
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from sandbox.local import RUNNER_PATH, kill_process_tree

log = logging.getLogger(__name__)

STDIN, STDOUT, STDERR, STATUS, CLOSE = 0, 1, 2, 3, 255
IMAGE_RUNNER = "/opt/debugbox/runner.py"


@dataclass
class PodRuntime:
    root: Path
    mounts: dict[str, Path]
    processes: list[asyncio.subprocess.Process] = field(default_factory=list)
    sockets: list[WebSocket] = field(default_factory=list)


class Kubelet:
    def __init__(self) -> None:
        self.pods: dict[str, PodRuntime] = {}
        self.execs_started = 0

    def start(self, pod: dict[str, Any]) -> None:
        name = pod["metadata"]["name"]
        root = Path(tempfile.mkdtemp(prefix=f"fakekube-{name[:20]}-"))
        mounts = {"/dev/shm": root / "shm"}
        container = pod["spec"]["containers"][0]
        for mount in container.get("volumeMounts") or []:
            mounts[mount["mountPath"]] = root / "volumes" / mount["name"]
        for path in mounts.values():
            path.mkdir(parents=True, exist_ok=True)
        self.pods[name] = PodRuntime(root, mounts)

    async def stop(self, name: str) -> None:
        """The node kills the pod: every process, every stream."""
        runtime = self.pods.pop(name, None)
        if runtime is None:
            return
        for process in runtime.processes:
            if process.returncode is None:
                await asyncio.to_thread(kill_process_tree, process.pid)
        for websocket in runtime.sockets:
            try:
                await websocket.close(code=1011)
            except Exception:  # already gone
                pass
        shutil.rmtree(runtime.root, ignore_errors=True)

    def command_for(self, runtime: PodRuntime, command: list[str]) -> list[str]:
        mapped: list[str] = []
        for arg in command:
            if arg == "--private-ipc":
                continue
            if arg == IMAGE_RUNNER:
                mapped.append(str(RUNNER_PATH))
            elif arg in runtime.mounts:
                mapped.append(str(runtime.mounts[arg]))
            else:
                mapped.append(arg)
        if mapped and mapped[0] == "python3":
            mapped[0:1] = [sys.executable, "-I"]
        return mapped

    async def exec(self, name: str, command: list[str], websocket: WebSocket, *, subprotocol: str) -> None:
        runtime = self.pods.get(name)
        await websocket.accept(subprotocol=subprotocol)
        if runtime is None:
            await self._status(websocket, {"status": "Failure", "reason": "NotFound", "message": f"pod {name} is not running"})
            await websocket.close()
            return
        self.execs_started += 1
        process = await asyncio.create_subprocess_exec(
            *self.command_for(runtime, command), cwd=runtime.root,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        runtime.processes.append(process)
        runtime.sockets.append(websocket)

        async def pump(stream: asyncio.StreamReader, channel: int) -> None:
            while chunk := await stream.read(65536):
                await websocket.send_bytes(bytes([channel]) + chunk)

        async def feed() -> None:
            try:
                while True:
                    message = await websocket.receive_bytes()
                    if not message:
                        continue
                    if message[0] == STDIN:
                        process.stdin.write(message[1:])
                        await process.stdin.drain()
                    elif message[0] == CLOSE and subprotocol.startswith("v5") and message[1:2] == bytes([STDIN]):
                        process.stdin.close()
            except (WebSocketDisconnect, RuntimeError, KeyError):
                pass
            except (BrokenPipeError, ConnectionResetError):
                return
            # The client went away: the runner reads EOF (and a run it was serving dies with it).
            if process.stdin and not process.stdin.is_closing():
                process.stdin.close()
            await asyncio.sleep(2)
            if process.returncode is None:
                await asyncio.to_thread(kill_process_tree, process.pid)

        feeder = asyncio.create_task(feed())
        try:
            await asyncio.gather(pump(process.stdout, STDOUT), pump(process.stderr, STDERR))
            code = await process.wait()
            status = {"status": "Success"} if code == 0 else {
                "status": "Failure", "reason": "NonZeroExitCode", "message": f"command terminated with non-zero exit code {code}",
                "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
            }
            await self._status(websocket, status)
            await websocket.close()
        except Exception:  # the stream was dropped (eviction, the client closed)
            pass
        finally:
            feeder.cancel()
            if process.returncode is None:
                await asyncio.to_thread(kill_process_tree, process.pid)
            if runtime.processes and process in runtime.processes:
                runtime.processes.remove(process)
            if websocket in runtime.sockets:
                runtime.sockets.remove(websocket)

    @staticmethod
    async def _status(websocket: WebSocket, status: dict[str, Any]) -> None:
        try:
            await websocket.send_bytes(bytes([STATUS]) + json.dumps({"metadata": {}, **status}).encode())
        except Exception:
            pass
