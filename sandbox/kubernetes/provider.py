"""The Kubernetes provider: a sandbox per episode, from an agent-sandbox warm pool (a SandboxClaim)
or a bare pod, reached over one exec stream that runs the resident runner.

Per episode the control plane sees, in agent-sandbox mode: create claim, watch claim, get sandbox
(its pod's name), one exec, delete claim; in pods mode: create pod, watch pod, one exec, delete pod
(a pool hit skips the first three). A sandbox whose pod is evicted or whose node dies breaks its
exec stream: the run fails with a SandboxError, and the episode layer goes on in a new sandbox
from the episode's files (environment/runs.py), as with Docker.
"""

from __future__ import annotations

import logging
import socket
import statistics
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import anyio

from sandbox.base import DebugAnswer, DebugStartRequest, EventCallback, RunRequest, RunResult, SandboxError
from sandbox.channel import RunnerChannel
from sandbox.environment_request import EnvironmentBuildError
from sandbox.kubernetes import objects
from sandbox.kubernetes.api import KubeApi, NotFound, load_configuration
from sandbox.kubernetes.exec_stream import ExecStream
from sandbox.kubernetes.reaper import LEASE_MISSES, reap_dead_instances
from sandbox.kubernetes.settings import KubernetesSettings

log = logging.getLogger(__name__)

SHUTDOWN_BUDGET_S = 15.0


@dataclass
class Slot:
    """A ready sandbox: its pod (and claim), and the runner on the other end of its exec stream."""

    pod: str
    stream: ExecStream
    channel: RunnerChannel
    claim: str | None = None
    created: float = field(default_factory=time.monotonic)


class KubernetesSandbox:
    backend = "kubernetes"
    isolation = "container"

    def __init__(self, provider: KubernetesProvider, slot: Slot):
        self._provider = provider
        self.slot = slot

    async def run(self, request: RunRequest, on_event: EventCallback | None = None) -> RunResult:
        return await self.slot.channel.run(request, on_event)

    async def debug_start(self, request: DebugStartRequest) -> DebugAnswer:
        return await self.slot.channel.debug_start(request)

    async def debug_command(self, command: str, timeout_s: float | None = None) -> DebugAnswer:
        return await self.slot.channel.debug_command(command, timeout_s)

    async def debug_stop(self) -> DebugAnswer:
        return await self.slot.channel.debug_stop()

    async def close(self, *, reuse: bool = False) -> None:
        # Never reused: a pod is cheap to replace, and the claim's sandbox is deleted with it.
        await self._provider.discard(self.slot)


class KubernetesProvider:
    backend = "kubernetes"

    def __init__(self, settings: KubernetesSettings | None = None):
        self.settings = settings or KubernetesSettings()
        self.instance = uuid.uuid4().hex[:16]
        self.mode: str | None = None if self.settings.mode == "auto" else self.settings.mode
        self.api: KubeApi | None = None
        self._lease: dict[str, Any] | None = None
        self._pool: list[Slot] = []
        self._live: dict[str, Slot] = {}
        self._wanted = anyio.Event()
        self._closed = False
        self.claims_made = self.pods_made = self.pool_hits = self.reaped = 0
        self.ready_ms: deque[float] = deque(maxlen=1000)  # acquire, whole: claim or pod, ready, exec, runner's ping
        self.claim_ready_ms: deque[float] = deque(maxlen=1000)  # create claim -> its Ready seen on the watch

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect, choose the mode, take this instance's Lease, and remove what dead instances left."""
        s = self.settings
        self.api = KubeApi(await load_configuration(s), s.namespace)
        try:
            if self.mode is None:
                self.mode = "agent-sandbox" if await self.api.agent_sandbox_served() else "pods"
                log.info("kubernetes backend: %s mode (%s)", self.mode, "agent-sandbox's CRDs are served" if self.mode != "pods" else "no SandboxClaim API")
            holder = f"{socket.gethostname()}/{self.instance}"
            self._lease = await self.api.create_lease(objects.lease_manifest(self.instance, holder, int(LEASE_MISSES * s.heartbeat_s)))
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self.api.aclose()
            self.api = None
            raise
        self.reaped += await reap_dead_instances(self.api, self.instance, s.heartbeat_s, claims=self.mode == "agent-sandbox")

    async def run_background(self) -> None:
        """Renew the Lease, reap dead instances' objects, keep the pods-mode pool full."""
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._heartbeat)
            tg.start_soon(self._reap_periodically)
            if self.mode == "pods":
                tg.start_soon(self._refill)

    async def _heartbeat(self) -> None:
        while True:
            await anyio.sleep(self.settings.heartbeat_s)
            try:
                await self._api.renew_lease(self._lease["metadata"]["name"], objects.micro_time())
            except (SandboxError, NotFound) as exc:
                log.warning("could not renew this server's Lease: %s", exc)

    async def _reap_periodically(self) -> None:
        while True:
            await anyio.sleep(self.settings.reap_interval_s)
            self.reaped += await reap_dead_instances(self._api, self.instance, self.settings.heartbeat_s, claims=self.mode == "agent-sandbox")

    async def _refill(self) -> None:
        while not self._closed:
            while len(self._pool) < self.settings.pool_size and not self._closed:
                try:
                    slot = await self._new_pod(objects.POOL_EPISODE)
                except SandboxError as exc:
                    log.warning("could not refill the pod pool: %s", exc)
                    await anyio.sleep(5)
                    break
                self._live.pop(slot.pod, None)
                self._pool.append(slot)
            self._wanted = anyio.Event()
            with anyio.move_on_after(60):
                await self._wanted.wait()

    async def aclose(self) -> None:
        """Close every exec stream (each runner reads EOF and exits) and delete every pod and claim
        of this server, then its Lease; within SHUTDOWN_BUDGET_S."""
        self._closed = True
        if self.api is None:
            return
        with anyio.CancelScope(shield=True), anyio.move_on_after(SHUTDOWN_BUDGET_S):
            slots = [*self._pool, *self._live.values()]
            self._pool.clear()
            self._live.clear()
            async with anyio.create_task_group() as tg:
                for slot in slots:
                    tg.start_soon(self._delete, slot)
            if self._lease is not None:
                await self._quietly(self.api.delete_lease(self._lease["metadata"]["name"]))
        await self.api.aclose()

    # -- sandboxes -------------------------------------------------------------------------

    async def acquire(self, episode_id: str, environment: object | None = None) -> KubernetesSandbox:
        if environment is not None:
            # Task environments (issue 18) need an image per environment that the cluster can pull
            # (a registry push, and a SandboxTemplate per image in agent-sandbox mode): not wired yet.
            # The task's fault for this backend, not a sandbox failure: retrying cannot help.
            raise EnvironmentBuildError("the Kubernetes backend runs the plain sandbox image only: tasks with an [environment] need the docker or local backend for now")
        if self._closed or self.api is None:
            raise SandboxError("the Kubernetes backend is not serving (not started, or shutting down)")
        started = time.perf_counter()
        if self.mode == "agent-sandbox":
            slot = await self._new_claim(episode_id)
        else:
            slot = await self._from_pool() or await self._new_pod(episode_id)
        self.ready_ms.append((time.perf_counter() - started) * 1000)
        self._live[slot.pod] = slot
        self._wanted.set()
        return KubernetesSandbox(self, slot)

    async def _from_pool(self) -> Slot | None:
        while self._pool:
            slot = self._pool.pop(0)
            self._wanted.set()
            try:
                if time.monotonic() - slot.created < self.settings.lifetime_s / 2:
                    await slot.channel.ping(timeout_s=2)
                    self.pool_hits += 1
                    return slot
            except SandboxError:
                pass
            await self._delete(slot)
        return None

    async def discard(self, slot: Slot) -> None:
        self._live.pop(slot.pod, None)
        await self._delete(slot)

    @property
    def _api(self) -> KubeApi:
        assert self.api is not None, "start() first"
        return self.api

    async def _new_pod(self, episode_id: str) -> Slot:
        # Shielded: a cancelled caller must not leave a pod that nobody tracks.
        with anyio.CancelScope(shield=True):
            manifest = objects.pod_manifest(self.settings, instance=self.instance, episode_id=episode_id, lease=self._lease or {})
            created = await self._api.create_pod(manifest)
            self.pods_made += 1
            name = created["metadata"]["name"]
            try:
                await self._wait_for_pod(created)
                return await self._connect(name, None)
            except BaseException:
                await self._quietly(self._api.delete_pod(name))
                raise

    async def _new_claim(self, episode_id: str) -> Slot:
        with anyio.CancelScope(shield=True):
            started = time.perf_counter()
            manifest = objects.claim_manifest(self.settings, instance=self.instance, episode_id=episode_id, lease=self._lease or {})
            created = await self._api.create_claim(manifest)
            self.claims_made += 1
            name = created["metadata"]["name"]
            try:
                sandbox_name = await self._wait_for_claim(created)
                self.claim_ready_ms.append((time.perf_counter() - started) * 1000)
                sandbox = await self._api.get_sandbox(sandbox_name)
                pod = ((sandbox.get("metadata") or {}).get("annotations") or {}).get(objects.POD_NAME_ANNOTATION) or sandbox_name
                return await self._connect(pod, name)
            except BaseException:
                await self._quietly(self._api.delete_claim(name))
                raise

    async def _connect(self, pod: str, claim: str | None) -> Slot:
        stream = await self._api.exec_stream(pod, objects.runner_command(self.settings.lifetime_s))
        channel = RunnerChannel(stream, stream, name=f"pod {pod}")
        slot = Slot(pod, stream, channel, claim=claim)
        try:
            await channel.ping(timeout_s=30)
        except SandboxError:
            await stream.aclose()
            raise
        if self._closed:
            await stream.aclose()
            raise SandboxError("the server is shutting down")
        self._live[pod] = slot
        return slot

    async def _wait_for_pod(self, created: dict) -> None:
        name = created["metadata"]["name"]

        def check(kind: str, pod: dict) -> bool:
            if kind == "DELETED":
                raise SandboxError(f"pod {name} was deleted before it was ready")
            ready, failure = objects.pod_state(pod)
            if failure:
                raise SandboxError(f"pod {name} will not become ready: {failure}")
            return ready

        await self._watch_until(self._api.watch_pod, created, check, f"pod {name}")

    async def _wait_for_claim(self, created: dict) -> str:
        name = created["metadata"]["name"]
        found: list[str] = []

        def check(kind: str, claim: dict) -> bool:
            if kind == "DELETED":
                raise SandboxError(f"SandboxClaim {name} was deleted before it was ready")
            sandbox, ready, failure = objects.claim_state(claim)
            if failure:
                raise SandboxError(f"SandboxClaim {name} failed: {failure} (is the SandboxWarmPool {self.settings.warm_pool!r} in namespace {self.settings.namespace!r}?)")
            if sandbox and ready:
                found.append(sandbox)
            return bool(found)

        await self._watch_until(self._api.watch_claim, created, check, f"SandboxClaim {name}")
        return found[0]

    async def _watch_until(self, watch, created: dict, check, what: str) -> None:
        """Watch one object from the version the create returned (the API serves it from its watch
        cache; nothing is missed between) until check says it is ready; a watch the API ends is
        resumed from the last version seen."""
        if check("ADDED", created):
            return
        name = created["metadata"]["name"]
        deadline = time.monotonic() + self.settings.ready_timeout_s
        version = created["metadata"].get("resourceVersion")
        try:
            with anyio.fail_after(self.settings.ready_timeout_s):
                while True:
                    async for kind, obj in watch(name, version, deadline - time.monotonic()):
                        if kind == "ERROR":
                            if obj.get("code") == 410:  # compacted: start again from the current state
                                version = "0"
                                break
                            raise SandboxError(f"the watch on {what} failed: {obj.get('message', obj)}")
                        version = (obj.get("metadata") or {}).get("resourceVersion") or version
                        if check(kind, obj):
                            return
        except TimeoutError:
            raise SandboxError(f"{what} was not ready within {self.settings.ready_timeout_s:.0f} s") from None

    async def _delete(self, slot: Slot) -> None:
        with anyio.CancelScope(shield=True):
            await slot.stream.aclose()  # the runner reads EOF and exits, whatever the API does
            if slot.claim is not None:
                await self._quietly(self._api.delete_claim(slot.claim))  # shutdownPolicy Delete: the sandbox goes too
            else:
                await self._quietly(self._api.delete_pod(slot.pod))

    @staticmethod
    async def _quietly(coroutine) -> None:
        try:
            await coroutine
        except (SandboxError, NotFound) as exc:
            log.warning("kubernetes cleanup: %s (the reaper retries when this server's Lease expires)", exc)

    def status(self) -> dict[str, Any]:
        ready = sorted(self.ready_ms)
        return {
            "backend": self.backend,
            "mode": self.mode,
            "namespace": self.settings.namespace,
            "instance": self.instance,
            "pool_idle": len(self._pool),
            "pool_target": self.settings.pool_size if self.mode == "pods" else None,
            "live_sandboxes": len(self._live),
            "claims_made": self.claims_made,
            "pods_made": self.pods_made,
            "pool_hits": self.pool_hits,
            "reaped": self.reaped,
            "acquire_ms_p50": round(statistics.median(ready), 2) if ready else None,
            "api_calls": dict(self.api.calls) if self.api else {},
        }
