"""The fake cluster's kubelet with real containers: each pod is a Docker container of the sandbox
image, created from the pod spec as a container runtime would (its command, user, read-only root,
dropped capabilities, no-new-privileges, memory and CPU limits, in-memory emptyDirs as tmpfs), and
with no network at all (the deny-all NetworkPolicy, which the fake does not otherwise enforce).
Each exec is a real `docker exec` bridged to the exec WebSocket, so the real runner runs in the
real image under the real limits.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import uuid
from typing import Any

import docker
import docker.errors
from starlette.websockets import WebSocket, WebSocketDisconnect

from sandbox.docker.engine import engine_client

log = logging.getLogger(__name__)

STDIN, STDOUT, STDERR, STATUS, CLOSE = 0, 1, 2, 3, 255
FAKE_LABEL = "io.debugbox.fakekube"  # the fake's own containers (never debugbox's LABEL: the server's reaper must not see them)


def quantity_mb(text: str) -> int:
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024, "M": 1e6 / 2**20, "G": 1e9 / 2**20}
    for suffix, factor in units.items():
        if text.endswith(suffix):
            return max(1, int(float(text[: -len(suffix)]) * factor))
    return max(1, int(int(text) / 2**20))


class DockerKubelet:
    def __init__(self, image: str):
        self.image = image  # what every pod runs, whatever its spec names (the cluster's registry is not here)
        self.client = engine_client()
        self.fake_id = uuid.uuid4().hex[:12]
        self.pods: dict[str, str] = {}  # pod name -> container id
        self.execs_started = 0
        self._sockets: dict[str, list[WebSocket]] = {}

    def _create(self, pod: dict[str, Any]) -> str:
        spec = pod["spec"]
        container = spec["containers"][0]
        security = {**(spec.get("securityContext") or {}), **(container.get("securityContext") or {})}
        limits = (container.get("resources") or {}).get("limits") or {}
        volumes = {v["name"]: v for v in spec.get("volumes") or []}
        tmpfs = {}
        for mount in container.get("volumeMounts") or []:
            empty = (volumes.get(mount["name"]) or {}).get("emptyDir") or {}
            size = quantity_mb(empty.get("sizeLimit", "64Mi"))
            tmpfs[mount["mountPath"]] = f"size={size}m,uid={security.get('runAsUser', 0)},gid={security.get('runAsGroup', 0)},mode=0755"
        memory = quantity_mb(limits.get("memory", "512Mi"))
        host_config = self.client.api.create_host_config(
            network_mode="none",
            cap_drop=["ALL"] if "ALL" in ((security.get("capabilities") or {}).get("drop") or []) else None,
            security_opt=["no-new-privileges"] if security.get("allowPrivilegeEscalation") is False else None,
            read_only=bool(security.get("readOnlyRootFilesystem")),
            tmpfs=tmpfs,
            mem_limit=f"{memory}m",
            memswap_limit=f"{memory}m",
            nano_cpus=int(float(limits.get("cpu", "1")) * 1e9),
            pids_limit=256,
            ipc_mode="private",
        )
        created = self.client.api.create_container(
            self.image,
            entrypoint=container.get("command"),
            command=container.get("args") or [],
            user=f"{security.get('runAsUser', 0)}:{security.get('runAsGroup', 0)}",
            network_disabled=True,
            labels={FAKE_LABEL: self.fake_id},
            host_config=host_config,
        )
        self.client.api.start(created["Id"])
        return created["Id"]

    def start(self, pod: dict[str, Any]) -> None:
        raise NotImplementedError("DockerKubelet starts pods asynchronously: await start_async")

    async def start_async(self, pod: dict[str, Any]) -> None:
        self.pods[pod["metadata"]["name"]] = await asyncio.to_thread(self._create, pod)

    def _remove(self, container_id: str) -> None:
        try:
            self.client.api.remove_container(container_id, force=True)
        except docker.errors.NotFound:
            pass

    async def stop(self, name: str) -> None:
        container_id = self.pods.pop(name, None)
        for websocket in self._sockets.pop(name, []):
            try:
                await websocket.close(code=1011)
            except Exception:
                pass
        if container_id is not None:
            await asyncio.to_thread(self._remove, container_id)

    def remove_all(self) -> None:
        for info in self.client.api.containers(all=True, filters={"label": f"{FAKE_LABEL}={self.fake_id}"}):
            self._remove(info["Id"])

    async def exec(self, name: str, command: list[str], websocket: WebSocket, *, subprotocol: str) -> None:
        await websocket.accept(subprotocol=subprotocol)
        container_id = self.pods.get(name)
        if container_id is None:
            await self._status(websocket, {"status": "Failure", "reason": "NotFound", "message": f"pod {name} is not running"})
            await websocket.close()
            return
        self.execs_started += 1
        self._sockets.setdefault(name, []).append(websocket)
        api = self.client.api

        def open_exec() -> tuple[str, socket.socket]:
            exec_id = api.exec_create(container_id, command, stdin=True, stdout=True, stderr=True, tty=False)["Id"]
            raw = api.exec_start(exec_id, socket=True)
            return exec_id, getattr(raw, "_sock", raw)

        exec_id, raw = await asyncio.to_thread(open_exec)
        reader, writer = await asyncio.open_connection(sock=raw)

        async def pump() -> None:
            while True:
                header = await reader.readexactly(8)
                payload = await reader.readexactly(int.from_bytes(header[4:8], "big"))
                await websocket.send_bytes(bytes([STDERR if header[0] == 2 else STDOUT]) + payload)

        async def feed() -> None:
            try:
                while True:
                    message = await websocket.receive_bytes()
                    if message and message[0] == STDIN:
                        writer.write(message[1:])
                        await writer.drain()
            except (WebSocketDisconnect, RuntimeError, KeyError, ConnectionError):
                pass
            writer.close()  # the runner reads EOF and exits

        feeder = asyncio.create_task(feed())
        try:
            await pump()
        except (asyncio.IncompleteReadError, ConnectionError, RuntimeError):
            pass
        finally:
            feeder.cancel()
            try:
                code = (await asyncio.to_thread(api.exec_inspect, exec_id)).get("ExitCode")
            except docker.errors.DockerException:
                code = None
            await self._status(websocket, {"status": "Success"} if code == 0 else {"status": "Failure", "message": f"exit code {code}"})
            try:
                await websocket.close()
            except Exception:
                pass
            writer.close()

    @staticmethod
    async def _status(websocket: WebSocket, status: dict[str, Any]) -> None:
        try:
            await websocket.send_bytes(bytes([STATUS]) + json.dumps({"metadata": {}, **status}).encode())
        except Exception:
            pass
