"""A sliding-window rate limiter keyed by client id."""

import time
from collections import deque
from collections.abc import Callable, Hashable


class RateLimiter:
    """Allow at most ``limit`` requests per key in any ``window`` seconds."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise ValueError(f"limit must be a positive integer, got {limit!r}")
        if not window > 0:
            raise ValueError(f"window must be positive, got {window!r}")
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: dict[Hashable, deque[float]] = {}

    def _current_hits(self, key: Hashable, now: float) -> deque[float]:
        """The key's requests that still count at ``now``; expired ones are dropped."""
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def allow(self, key: Hashable) -> bool:
        """Record and accept a request for ``key`` if it is under its limit."""
        now = self.clock()
        hits = self._current_hits(key, now)
        if len(hits) < self.limit:
            hits.append(now)
            return True
        return False

    def remaining(self, key: Hashable) -> int:
        """How many more requests ``key`` could make right now."""
        return self.limit - len(self._current_hits(key, self.clock()))

    def retry_after(self, key: Hashable) -> float:
        """Seconds until ``key`` may make a request again (0.0 if it may now)."""
        now = self.clock()
        hits = self._current_hits(key, now)
        if len(hits) < self.limit:
            return 0.0
        return hits[0] + self.window - now

    def reset(self, key: Hashable | None = None) -> None:
        """Forget the requests of ``key``, or of every key."""
        if key is None:
            self._hits.clear()
        else:
            self._hits.pop(key, None)
