"""The Docker provider: a warm pool of hardened containers, one per episode, and its lifecycle.

A container from the warm pool goes back to the pool when its episode submits, if the runner's
audit finds nothing left of the episode (no file, process or IPC object; every run already ends
wiped): then it serves another episode in turn, up to `episodes_per_container`. Creating, speaking
to and removing one container is `sandbox.docker.container`; whose containers are whose, and
startup cleanup, is `sandbox.docker.reaper`.
"""

from __future__ import annotations

import logging
import time
import uuid
from pathlib import Path
from typing import Any

import anyio
import docker
import docker.errors
from anyio.abc import SocketStream, TaskGroup
from pydantic import BaseModel, Field

from sandbox.base import DebugAnswer, DebugStartRequest, EventCallback, RunRequest, RunResult, SandboxError
from sandbox.channel import RunnerChannel
from sandbox.environment_request import EnvironmentRequest
from sandbox.docker.container import (
    ENGINE_CALL_TIMEOUT_S,
    LABEL_INSTANCE,
    POOL_EPISODE,
    AttachedStdout,
    Container,
    Removal,
    create_attached,
)
from sandbox.docker.engine import engine_client
from sandbox.docker.pools import Pools, PoolStats
from sandbox.docker.reaper import container_owner_tag, owner_tag, reap_orphans
from sandbox.environments import EnvironmentResolver
from sandbox.images.sandbox_image import SANDBOX_IMAGE

log = logging.getLogger(__name__)

REAP_INTERVAL_S = 10.0  # how often the containers whose removal failed are tried again
RECYCLE_WAIT_S = 5.0  # a claim waits this long for a container being recycled before making one
SHUTDOWN_BUDGET_S = 15.0  # shutdown removes every container at once, and never waits longer


class DockerSettings(BaseModel):
    """Hardening and pool settings; every field has a flag and a DEBUGBOX_* variable (see README)."""

    image: str = SANDBOX_IMAGE
    memory_mb: int = Field(default=512, ge=64, le=65536, description="container memory (and swap) limit")
    cpus: float = Field(default=1.0, gt=0, le=64, description="CPU share of the container")
    pids: int = Field(default=128, ge=8, le=65536, description="processes and threads in the container")
    workspace_mb: int = Field(default=64, ge=1, le=65536, description="tmpfs size of /workspace")
    tmp_mb: int = Field(default=16, ge=1, le=65536, description="tmpfs size of /tmp")
    lifetime_s: int = Field(default=7200, ge=1, description="hard lifetime: the runner exits by itself after it")
    pool_size: int = Field(default=2, ge=0, le=256, description="ready containers kept warm")
    episodes_per_container: int = Field(
        default=100, ge=1, le=100_000, description="episodes a pooled container may serve in turn, each after a clean audit (1: never reused)"
    )
    user: str = Field(default="65534:65534", description="uid:gid inside the container (never root)")
    environment_pool_idle_s: float = Field(
        default=300.0, ge=0, le=86400, description="an environment image's warm pool shrinks to zero after this long without an episode asking for it"
    )
    wheel_cache: Path | None = Field(default=None, description="where task environments' wheels are kept (default DEBUGBOX_WHEEL_CACHE or ~/.cache/debugbox/wheels)")


class DockerSandbox:
    backend = "docker"
    isolation = "container"

    def __init__(self, provider: DockerProvider, container: Container):
        self._provider = provider
        self.container = container

    async def run(self, request: RunRequest, on_event: EventCallback | None = None) -> RunResult:
        return await self.container.channel.run(request, on_event)

    async def debug_start(self, request: DebugStartRequest) -> DebugAnswer:
        return await self.container.channel.debug_start(request)

    async def debug_command(self, command: str, timeout_s: float | None = None) -> DebugAnswer:
        return await self.container.channel.debug_command(command, timeout_s)

    async def debug_stop(self) -> DebugAnswer:
        return await self.container.channel.debug_stop()

    async def close(self, *, reuse: bool = False) -> None:
        if reuse:
            await self._provider.recycle(self.container)
        else:
            await self._provider.discard(self.container)


class DockerProvider:
    backend = "docker"

    def __init__(self, settings: DockerSettings | None = None, client: docker.DockerClient | None = None):
        self.settings = settings or DockerSettings()
        self.client = client or engine_client()
        # Kill and remove go through a client whose calls give up after a bound (the SDK's default
        # is 60 s): a container the engine cannot remove now is retried, never waited on.
        self._removal = Removal(engine_client(timeout=ENGINE_CALL_TIMEOUT_S) if client is None else client)
        self.instance = uuid.uuid4().hex[:16]
        self.owner = container_owner_tag(self.client) or owner_tag()
        self.stats = PoolStats()
        self._pools = Pools(self.settings.image, self.settings.pool_size, self.settings.environment_pool_idle_s)
        self.environments: EnvironmentResolver[str] = EnvironmentResolver(self._prepare_environment, "environment image")
        self._live: dict[str, Container] = {}
        self._wanted = anyio.Event()
        self._recycling: dict[str, Container] = {}  # handed back, getting a fresh runner in the background
        self._came_back = anyio.Event()  # set (and replaced) each time a recycle ends
        self._closed = False
        self._background: TaskGroup | None = None

    @property
    def _unremoved(self) -> set[str]:
        """Ids whose removal failed: the reaper retries them."""
        return self._removal.unremoved

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Check the engine and image, and remove containers whose server is gone."""
        from sandbox.images.sandbox_image import ensure_sandbox_image

        await anyio.to_thread.run_sync(lambda: ensure_sandbox_image(self.client, tag=self.settings.image))
        removed = await anyio.to_thread.run_sync(reap_orphans, self.client)
        if removed:
            log.info("removed %d container(s) left by server instances that are gone", removed)

    async def run_background(self) -> None:
        """Keep the warm pool full, bring recycled containers back, retry failed removals. Runs
        until cancelled."""
        async with anyio.create_task_group() as tg:
            self._background = tg
            tg.start_soon(self._reap_unremoved)
            try:
                await self._refill()
            finally:
                self._background = None
                tg.cancel_scope.cancel()

    async def _reap_unremoved(self) -> None:
        while True:
            await anyio.sleep(REAP_INTERVAL_S)
            for container_id in list(self._unremoved):
                self.stats.removal_retries += 1
                await anyio.to_thread.run_sync(self._removal.remove, container_id)

    async def _refill(self) -> None:
        while not self._closed:
            for container in self._pools.expired():
                self.stats.shrunk += 1
                await self._remove(container)
            for image in self._pools.short():
                if self._closed or image not in self._pools.short():
                    continue
                try:
                    container = await self._create(POOL_EPISODE, image)
                except SandboxError as exc:
                    log.warning("could not refill the warm pool of %s: %s", image, exc)
                    await anyio.sleep(5)
                    break
                self._live.pop(container.id, None)
                self._pools.put(container)
            if self._pools.short():
                continue  # one container per image per round, so every pool fills alike
            self._wanted = anyio.Event()
            # Woken by every claim; else it looks again soon enough to shrink an idle pool on time.
            with anyio.move_on_after(max(1.0, min(60.0, self.settings.environment_pool_idle_s / 4))):
                await self._wanted.wait()

    async def aclose(self) -> None:
        """Remove every container of this server at once, within SHUTDOWN_BUDGET_S. What the engine
        would not remove in time still ends: its attach stream is closed first, so its runner reads
        EOF and exits (the container removes itself); else the next server's startup reaps it."""
        self._closed = True
        with anyio.CancelScope(shield=True), anyio.move_on_after(SHUTDOWN_BUDGET_S):
            containers = [*self._pools.drain(), *self._live.values(), *self._recycling.values()]
            self._live.clear()
            self._recycling.clear()
            for container in containers:
                await container.stream.aclose()
            async with anyio.create_task_group() as tg:
                for container in containers:
                    tg.start_soon(self._remove_id, container.id)
                for container_id in list(self._unremoved):
                    tg.start_soon(self._remove_id, container_id)
            # A container made while the engine was away may be tracked nowhere: sweep by label.
            await anyio.to_thread.run_sync(
                self._removal.remove_labelled, f"{LABEL_INSTANCE}={self.instance}", abandon_on_cancel=True
            )
        if self._unremoved:
            log.warning("%d container(s) could not be removed now; their runners end with our attach, and the next server reaps them", len(self._unremoved))

    # -- sandboxes -------------------------------------------------------------------------

    async def acquire(self, episode_id: str, environment: EnvironmentRequest | None = None) -> DockerSandbox:
        image = self.settings.image if environment is None else await self.environments.get(environment)
        started = time.perf_counter()  # the claim alone: a first use's build is counted in environments_built
        self._pools.want(image)
        container = await self._claim_from_pool(image)
        if container is None:
            self.stats.misses += 1
            try:
                container = await self._create(episode_id, image)
            except SandboxError:
                if environment is not None and not await anyio.to_thread.run_sync(self._image_exists, image):
                    self.environments.forget(environment)  # removed behind our back: rebuilt next time
                raise
        else:
            self.stats.hits += 1
        self.stats.claim_ms.append((time.perf_counter() - started) * 1000)
        self._live[container.id] = container
        self._wanted.set()
        return DockerSandbox(self, container)

    async def _claim_from_pool(self, image: str) -> Container | None:
        while True:
            while (container := self._pools.pop(image)) is not None:
                self._wanted.set()
                young = time.monotonic() - container.created < self.settings.lifetime_s / 2
                try:
                    if young:
                        await container.channel.ping(timeout_s=2)
                        return container
                except SandboxError:
                    self.stats.discarded_unhealthy += 1
                await self._remove(container)
            if not any(c.image == image for c in self._recycling.values()):
                return None
            # A submitted episode's container is getting its fresh runner (~0.25 CPU-s): waiting for
            # it beats making a new container (~0.5 CPU-s), which an episode started right after a
            # submit would otherwise do every time.
            with anyio.move_on_after(RECYCLE_WAIT_S) as waited:
                await self._came_back.wait()
            if waited.cancelled_caught:
                return None

    async def discard(self, container: Container) -> None:
        self._live.pop(container.id, None)
        await self._remove(container)

    async def recycle(self, container: Container) -> None:
        """Back to the warm pool if it may serve another episode and the runner's audit finds
        nothing left of this one, with a fresh runner process (nothing of this episode stays in
        memory either); otherwise removed. The pool then holds up to twice its size: a container
        handed back is cheaper than any the refill would make. The fresh runner's start (~0.3 s)
        happens in the background when the provider runs, so a submit does not wait for it."""
        container.episodes += 1
        if not self._may_reuse(container):
            await self.discard(container)
            return
        if self._background is not None:
            # Cancelled only by shutdown, which removes every container still tracked as live.
            # No longer serving an episode: counted apart from the live ones until it is pooled or removed.
            self._live.pop(container.id, None)
            self._recycling[container.id] = container
            self._background.start_soon(self._recycle_in_background, container)
        else:
            # Shielded (every exchange is bounded by its timeout): a submit whose caller goes away
            # must not leave the container tracked but neither pooled nor removed.
            with anyio.CancelScope(shield=True):
                await self._recycle(container)

    async def _recycle_in_background(self, container: Container) -> None:
        settled = False
        try:
            await self._recycle(container)
            settled = True
        finally:
            self._recycling.pop(container.id, None)
            if not settled:  # cancelled by shutdown mid-way: live again, so shutdown removes it
                self._live[container.id] = container
            came_back, self._came_back = self._came_back, anyio.Event()
            came_back.set()

    async def _recycle(self, container: Container) -> None:
        try:
            leftovers = await container.channel.recycle(timeout_s=30)
        except SandboxError as exc:
            leftovers = [str(exc)]
        if leftovers:
            self.stats.audit_refused += 1
            log.warning("container %s not reused, the audit found: %s", container.id[:12], "; ".join(leftovers[:5]))
            await self.discard(container)
            return
        if not self._may_reuse(container):  # the pool filled, or shutdown began, during the audit
            await self.discard(container)
            return
        self._live.pop(container.id, None)
        self._pools.put(container)
        self.stats.reused += 1

    def _may_reuse(self, container: Container) -> bool:
        s = self.settings
        return (
            not self._closed
            and container.pooled
            and container.episodes < s.episodes_per_container
            and self._pools.has_room(container.image)
            and time.monotonic() - container.created < s.lifetime_s / 2
            and container.channel.broken is None
        )

    def status(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "instance": self.instance,
            "image": self.settings.image,
            # Named so they read right side by side: the pool refills to pool_target new containers,
            # and containers handed back after a clean audit may take it up to pool_max.
            "pool_idle": len(self._pools),
            "pool_idle_handed_back": self._pools.handed_back(),
            "pools": self._pools.counts(),  # idle containers per image (environment images have their own)
            "pool_target": self.settings.pool_size,
            "pool_max": 2 * self.settings.pool_size,
            "live_containers": len(self._live),
            "recycling_containers": len(self._recycling),
            **self.stats.snapshot(),
            **self.environments.status(),
        }

    # -- engine calls (blocking SDK calls go to worker threads) ----------------------------

    def _prepare_environment(self, request: EnvironmentRequest) -> tuple[str, bool]:
        """The environment image for `request` (blocking: the resolver runs it in a thread)."""
        from sandbox.images.environment_image import prepare_environment_image

        return prepare_environment_image(self.client, self.settings.image, request, self.settings.wheel_cache)

    def _image_exists(self, image: str) -> bool:
        try:
            self.client.images.get(image)
        except docker.errors.ImageNotFound:
            return False
        except (docker.errors.DockerException, OSError):
            return True  # the engine is away: nothing to forget
        return True

    async def _create(self, episode_id: str, image: str | None = None) -> Container:
        # Shielded: a cancelled caller must not leave a container the engine made but nobody tracks.
        with anyio.CancelScope(shield=True):
            try:
                container_id, raw = await anyio.to_thread.run_sync(
                    lambda: create_attached(
                        self.client, self.settings, self._removal, instance=self.instance, owner=self.owner, episode_id=episode_id, image=image
                    )
                )
            except (docker.errors.DockerException, OSError) as exc:  # OSError: the engine is unreachable
                raise SandboxError(f"Docker could not start a sandbox container: {exc}") from exc
            self.stats.created += 1
            stream = await SocketStream.from_socket(raw)
            channel = RunnerChannel(stream, AttachedStdout(stream), name=f"container {container_id[:12]}")
            container = Container(container_id, stream, channel, image=image or self.settings.image, pooled=episode_id == POOL_EPISODE)
            try:
                await channel.ping(timeout_s=30)
            except SandboxError:
                await self._remove(container)
                raise
            if self._closed:
                await self._remove(container)
                raise SandboxError("the server is shutting down")
            self._live[container.id] = container  # tracked from birth; acquire/pool decide its role
            return container

    async def _remove(self, container: Container) -> None:
        with anyio.CancelScope(shield=True):
            await container.stream.aclose()  # the runner reads EOF and exits, whatever the engine does
            self._unremoved.add(container.id)  # tracked until the engine confirms the removal
        await self._remove_id(container.id)

    async def _remove_id(self, container_id: str) -> None:
        await anyio.to_thread.run_sync(self._removal.remove, container_id, abandon_on_cancel=True)
