"""Episodes by id, each with its sandbox and its owner: capacity, the idle sweep, the drain at
shutdown, and how long finished episodes stay readable (within the memory bounds of retention.py).

Every lookup names its owner: an episode answers only to the caller that started it, as if any
other did not know its id. The front end says who is calling on each call (the bearer token's name
over authenticated HTTP, else LOCAL_OWNER); nothing here remembers a caller between calls.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio

from environment import retention
from environment.episode import EndReason, Episode
from environment.errors import CapacityReached, UnknownEpisode, quoted
from environment.settings import ServiceSettings
from sandbox.base import Sandbox, SandboxProvider

log = logging.getLogger(__name__)

LOCAL_OWNER = "local"  # the single user of a server without login (stdio, or HTTP without tokens)


@dataclass
class EpisodeHandle:
    episode: Episode
    sandbox: Sandbox | None
    owner: str = LOCAL_OWNER
    lock: anyio.Lock = field(default_factory=anyio.Lock)  # held exactly while one of its tool calls runs
    last_used: float = field(default_factory=time.monotonic)
    debug_live: bool = False  # a debugger session waits in the sandbox (environment/debugging.py)
    debug_note: str | None = None  # why a live session ended during this call, for its result
    debug_where: tuple | None = None  # the session's last stop (path, line, function, depth)


class EpisodeRegistry:
    def __init__(self, provider: SandboxProvider, settings: ServiceSettings):
        self.provider = provider
        self.settings = settings
        self.memory = retention.MemoryBounds(settings.max_memory_bytes, settings.max_memory_per_owner)
        self.handles: dict[str, EpisodeHandle] = {}
        self._starting: dict[str, int] = {}  # owner -> episodes waiting for their sandbox
        self.closing = False

    def get(self, episode_id: str, owner: str) -> EpisodeHandle:
        handle = self.handles.get(episode_id)
        if handle is None or handle.owner != owner:
            raise UnknownEpisode(f"No episode {quoted(episode_id)}. Call start_task to begin one (it returns the episode_id).")
        return handle

    def episode_ids(self) -> list[str]:
        return list(self.handles)

    # -- admission -----------------------------------------------------------------------

    def check_capacity(self, owner: str) -> None:
        """CapacityReached if the server is stopping, or runs as many episodes as it (or `owner`) may."""
        if self.closing:
            raise CapacityReached("The server is shutting down and starts no new episodes.")
        live = [h.owner for h in self.handles.values() if not h.episode.done]
        live += [o for o, n in self._starting.items() for _ in range(n)]
        if len(live) >= self.settings.max_episodes:
            raise CapacityReached(
                f"This server already runs {len(live)} episodes, its limit. Submit an episode you no longer need and retry."
            )
        per_owner = self.settings.max_episodes_per_owner
        if per_owner is not None and live.count(owner) >= per_owner:
            raise CapacityReached(
                f"You already run {per_owner} episodes, the limit per token. Submit one you no longer need and retry."
            )

    async def add(self, episode: Episode, owner: str) -> EpisodeHandle:
        """Admit a new episode within the memory bounds, and give it a sandbox; while it waits for the
        sandbox, it counts against the capacity."""
        self.memory.admit(self.handles, owner)
        self._starting[owner] = self._starting.get(owner, 0) + 1
        try:
            sandbox = await self.provider.acquire(episode.episode_id, environment=episode.task.environment)
        finally:
            self._starting[owner] -= 1
        handle = self.handles[episode.episode_id] = EpisodeHandle(episode, sandbox, owner=owner)
        return handle

    def make_room(self, handle: EpisodeHandle, growth: int) -> None:
        """Room for `growth` more bytes of the handle's owner (finished episodes are forgotten for it)."""
        self.memory.make_room(self.handles, handle.owner, growth)

    @asynccontextmanager
    async def active(self, episode_id: str, owner: str) -> AsyncIterator[EpisodeHandle]:
        """The owner's episode, locked for one tool call; EpisodeFinished if it has ended."""
        handle = self.get(episode_id, owner)
        async with handle.lock:
            handle.episode.ensure_active()
            handle.last_used = time.monotonic()
            yield handle

    # -- ending --------------------------------------------------------------------------

    async def release(self, handle: EpisodeHandle, reuse: bool = False) -> None:
        """reuse: the episode ended after a complete run (a submit), so the provider may keep the
        sandbox for a later episode once it proves clean; every other end destroys it."""
        sandbox, handle.sandbox = handle.sandbox, None
        handle.debug_live = False  # the session dies with its sandbox
        if sandbox is not None:
            await sandbox.close(reuse=reuse)

    async def close_episode(self, episode_id: str, reason: EndReason = "server_shutdown") -> None:
        handle = self.handles.get(episode_id)
        if handle is None:
            return
        if not handle.episode.done:
            handle.episode.end_without_score(reason)
        await self.release(handle)

    async def close_all(self) -> None:
        """End every episode and close their sandboxes at once."""
        async with anyio.create_task_group() as tg:
            for episode_id in list(self.handles):
                tg.start_soon(self.close_episode, episode_id)

    async def run_background(self) -> None:
        """End idle episodes and forget long-finished ones, until cancelled."""
        while True:
            await anyio.sleep(self.settings.sweep_interval_s)
            await self.sweep()

    async def sweep(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        for episode_id, handle in list(self.handles.items()):
            idle = now - handle.last_used
            if not handle.episode.done and idle > self.settings.idle_timeout_s and not handle.lock.locked():
                log.info("episode %s idle for %.0f s: ending it", episode_id, idle)
                await self.close_episode(episode_id, "idle_timeout")
            elif handle.episode.done and idle > self.settings.keep_finished_s:
                del self.handles[episode_id]
        self.memory.trim(self.handles)

    async def drain(self, grace_s: float) -> None:
        """Start no more episodes, and give the calls in flight up to grace_s to finish."""
        self.closing = True
        with anyio.move_on_after(grace_s):
            while any(handle.lock.locked() for handle in self.handles.values()):
                await anyio.sleep(0.05)

    def status(self) -> dict:
        live = [h for h in self.handles.values() if not h.episode.done]
        holdings = retention.holdings(self.handles)
        return {
            "episodes_live": len(live),
            "episodes_finished": len(self.handles) - len(live),
            "max_episodes": self.settings.max_episodes,
            "memory": {
                "episodes_bytes": sum(h.nbytes for h in holdings),
                "live_bytes": sum(h.nbytes for h in holdings if h.live),
                "bound_bytes": self.settings.max_memory_bytes,
            },
        }
