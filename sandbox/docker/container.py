"""One sandbox container: created hardened, spoken to over its attach stream, removed with bounded
engine calls.

The server attaches to the container's stdin/stdout once, before starting it, and speaks the
runner protocol over that stream for the container's whole life: no `docker exec` and no
`docker run` per step. The container is created with StdinOnce, so when the server goes away
(even by SIGKILL) the attach closes, the runner reads EOF and the container removes itself.
"""

from __future__ import annotations

import logging
import socket
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import docker
import docker.errors
from anyio.abc import ByteReceiveStream, SocketStream

from sandbox.channel import RunnerChannel

if TYPE_CHECKING:  # the provider owns the settings; a container only reads them
    from sandbox.docker.provider import DockerSettings

log = logging.getLogger(__name__)

# Every debugbox container carries these labels: the reaper and `debugbox status` read them.
LABEL = "io.debugbox"
LABEL_INSTANCE = "io.debugbox.instance"
LABEL_OWNER = "io.debugbox.owner"
LABEL_EPISODE = "io.debugbox.episode"
POOL_EPISODE = "pool"
STREAM_HEADER = 8
# Removal never waits on a container: SIGKILL first, then remove, each call bounded; a container
# the engine would not remove is retried by the reaper (and, past our own end, by the next server).
ENGINE_CALL_TIMEOUT_S = 10


class AttachedStdout(ByteReceiveStream):
    """The stdout frames of a non-TTY attach stream (8-byte header: type, 0, 0, 0, size)."""

    def __init__(self, stream: SocketStream):
        self._stream = stream
        self._buffer = bytearray()

    async def _fill(self, n: int) -> None:
        while len(self._buffer) < n:
            chunk = await self._stream.receive()
            self._buffer += chunk

    async def receive(self, max_bytes: int = 65536) -> bytes:
        while True:
            await self._fill(STREAM_HEADER)
            kind = self._buffer[0]
            size = int.from_bytes(self._buffer[4:8], "big")
            await self._fill(STREAM_HEADER + size)
            payload = bytes(self._buffer[STREAM_HEADER : STREAM_HEADER + size])
            del self._buffer[: STREAM_HEADER + size]
            if kind == 1 and payload:
                return payload

    async def aclose(self) -> None:
        await self._stream.aclose()


@dataclass
class Container:
    """A started container with a healthy runner on the other end of its attach stream."""

    id: str
    stream: SocketStream
    channel: RunnerChannel
    image: str = ""  # the image it runs: the sandbox image or an environment image (its pool)
    pooled: bool = False  # made for the warm pool (labelled `pool`), not for one named episode
    episodes: int = 0  # episodes it has finished serving
    created: float = field(default_factory=time.monotonic)


def create_attached(
    client: docker.DockerClient,
    settings: DockerSettings,
    removal: Removal,
    *,
    instance: str,
    owner: str,
    episode_id: str,
    image: str | None = None,
) -> tuple[str, socket.socket]:
    """Create and start one hardened container labelled with its server and episode, attached
    before it starts (so no byte the runner writes is lost). Blocking: call it in a worker thread.
    Returns its id and the raw socket."""
    s = settings
    api = client.api
    host_config = api.create_host_config(
        network_mode="none",
        cap_drop=["ALL"],
        security_opt=["no-new-privileges"],
        read_only=True,
        tmpfs={
            "/workspace": f"size={s.workspace_mb}m,uid={s.user.split(':')[0]},gid={s.user.split(':')[-1]},mode=0755",
            "/tmp": f"size={s.tmp_mb}m,mode=1777",
        },
        mem_limit=f"{s.memory_mb}m",
        memswap_limit=f"{s.memory_mb}m",
        pids_limit=s.pids,
        nano_cpus=int(s.cpus * 1e9),
        ipc_mode="private",
        auto_remove=True,
    )
    created = api.create_container(
        image or s.image,  # an environment image derives from the sandbox image: same runner, same hardening
        # /dev/shm and /dev/mqueue are writable too (multiprocessing needs them): wiped after every
        # run like /tmp, and so are System V IPC objects (the container has its own IPC namespace).
        command=[
            "--workdir", "/workspace", "--scratch", "/tmp", "--scratch", "/dev/shm", "--scratch", "/dev/mqueue",
            "--private-ipc", "--lifetime", str(s.lifetime_s),
        ],
        user=s.user,
        stdin_open=True,  # with detach=False this also sets StdinOnce: EOF when we detach
        tty=False,
        network_disabled=True,
        labels={LABEL: "1", LABEL_INSTANCE: instance, LABEL_OWNER: owner, LABEL_EPISODE: episode_id},
        host_config=host_config,
    )
    container_id = created["Id"]
    try:
        attached = api.attach_socket(container_id, params={"stdin": 1, "stdout": 1, "stream": 1})
        raw = getattr(attached, "_sock", attached)
        api.start(container_id)
    except Exception:
        removal.remove(container_id)
        raise
    return container_id, raw


class Removal:
    """Kill and remove containers, each engine call bounded, never waiting on one; the ids the
    engine would not remove stay in `unremoved` for the caller's reaper to retry. Blocking: call
    it in a worker thread."""

    def __init__(self, client: docker.DockerClient):
        # A client whose calls give up after a bound (the SDK's default is 60 s).
        self.client = client
        self.unremoved: set[str] = set()

    def remove(self, container_id: str) -> bool:
        """SIGKILL, then remove; each call bounded. False (and tracked for the reaper) when the
        engine did not do it."""
        api = self.client.api
        try:
            api.kill(container_id)
        except docker.errors.NotFound:
            self.unremoved.discard(container_id)
            return True
        except docker.errors.APIError:
            pass  # not running any more, or already being removed: removal decides
        except (docker.errors.DockerException, OSError) as exc:
            return self._failed(container_id, f"the engine did not answer the kill ({exc})")
        try:
            api.remove_container(container_id, force=True)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError as exc:
            if "already in progress" not in str(exc):
                return self._failed(container_id, str(exc))
            # Its own auto-removal (the runner exited when we closed the attach) is under way.
            if not self._gone_soon(container_id):
                return self._failed(container_id, "its removal did not finish")
        except (docker.errors.DockerException, OSError) as exc:
            return self._failed(container_id, f"the engine did not answer ({exc})")
        self.unremoved.discard(container_id)
        return True

    def remove_labelled(self, label: str) -> None:
        """Remove any container carrying `label` (key=value), tracked or not."""
        try:
            leftovers = self.client.api.containers(all=True, filters={"label": label})
        except (docker.errors.DockerException, OSError) as exc:
            log.warning("could not list this server's containers: %s", exc)
            return
        for info in leftovers:
            self.remove(info["Id"])

    def _gone_soon(self, container_id: str, within_s: float = ENGINE_CALL_TIMEOUT_S) -> bool:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            try:
                self.client.api.inspect_container(container_id)
            except docker.errors.NotFound:
                return True
            except (docker.errors.DockerException, OSError):
                return False
            time.sleep(0.05)
        return False

    def _failed(self, container_id: str, why: str) -> bool:
        log.warning("could not remove container %s: %s; the reaper retries it", container_id[:12], why)
        self.unremoved.add(container_id)
        return False
