"""Warm pools, one per image, and the provider's counters.

The sandbox image's pool is always kept at `size`. An environment image's pool is kept at `size`
while its image is in use (asked for within `idle_s`) and shrinks to zero after: a pack with forty
environments must not keep eighty idle containers because each task was played once.
"""

from __future__ import annotations

import statistics
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sandbox.docker.container import Container


class Pools:
    def __init__(self, default_image: str, size: int, idle_s: float):
        self.default_image = default_image
        self.size = size
        self.idle_s = idle_s
        self._idle: dict[str, list[Container]] = {}
        self._wanted_at: dict[str, float] = {}

    def want(self, image: str) -> None:
        """An episode asked for this image: keep its pool warm for idle_s from now."""
        self._wanted_at[image] = time.monotonic()

    def target(self, image: str) -> int:
        if image == self.default_image:
            return self.size
        wanted = self._wanted_at.get(image)
        return self.size if wanted is not None and time.monotonic() - wanted < self.idle_s else 0

    def short(self) -> list[str]:
        """Images whose pool holds fewer idle containers than its target, the sandbox image first."""
        images = [self.default_image, *(i for i in self._wanted_at if i != self.default_image)]
        return [image for image in images if len(self._idle.get(image, [])) < self.target(image)]

    def pop(self, image: str) -> Container | None:
        idle = self._idle.get(image)
        return idle.pop(0) if idle else None

    def put(self, container: Container) -> None:
        self._idle.setdefault(container.image, []).append(container)

    def has_room(self, image: str) -> bool:
        """A container handed back may take a pool up to twice its target: it is cheaper than any new one."""
        return len(self._idle.get(image, [])) < 2 * self.target(image)

    def expired(self) -> list[Container]:
        """Take out every idle container of a pool whose image nobody asked for within idle_s."""
        gone: list[Container] = []
        for image in list(self._idle):
            if self.target(image) == 0:
                gone += self._idle.pop(image)
        for image in [i for i in self._wanted_at if self.target(i) == 0 and i not in self._idle]:
            del self._wanted_at[image]
        return gone

    def drain(self) -> list[Container]:
        every = [c for idle in self._idle.values() for c in idle]
        self._idle.clear()
        return every

    def __len__(self) -> int:
        return sum(len(idle) for idle in self._idle.values())

    def handed_back(self) -> int:
        return sum(1 for idle in self._idle.values() for c in idle if c.episodes > 0)

    def counts(self) -> dict[str, int]:
        return {image: len(idle) for image, idle in self._idle.items() if idle}


@dataclass
class PoolStats:
    hits: int = 0
    misses: int = 0
    created: int = 0
    discarded_unhealthy: int = 0
    reused: int = 0
    audit_refused: int = 0
    removal_retries: int = 0
    shrunk: int = 0  # idle containers removed because their image's pool went unused
    claim_ms: deque[float] = field(default_factory=lambda: deque(maxlen=1000))

    def snapshot(self) -> dict[str, Any]:
        claims = sorted(self.claim_ms)
        p = (lambda q: round(claims[min(len(claims) - 1, int(q * len(claims)))], 2)) if claims else (lambda q: None)
        return {
            "hits": self.hits,
            "misses": self.misses,
            "created": self.created,
            "discarded_unhealthy": self.discarded_unhealthy,
            "reused": self.reused,
            "audit_refused": self.audit_refused,
            "removal_retries": self.removal_retries,
            "pool_shrunk": self.shrunk,
            "claim_ms_p50": round(statistics.median(claims), 2) if claims else None,
            "claim_ms_p99": p(0.99),
        }
