"""A sliding-window rate limiter keyed by client id."""

import time
from collections import deque
from collections.abc import Callable, Hashable


class RateLimiter:
    """Allow at most ``limit`` requests per key in any ``window`` seconds."""

    _hits: dict[Hashable, deque[float]] = {}

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise ValueError(f"limit must be a positive integer, got {limit!r}")
        if not window > 0:
            raise ValueError(f"window must be positive, got {window!r}")
        self.limit = limit
        self.window = window
        self.clock = clock

    def allow(self, key: Hashable) -> bool:
        """Record and accept a request for ``key`` if it is under its limit."""
        now = self.clock()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] < now - self.window:
            hits.popleft()
        if len(hits) < self.limit:
            hits.append(now)
            return True
        return False

    def remaining(self, key: Hashable) -> int:
        """How many more requests ``key`` could make right now."""
        return self.limit - len(self._hits.get(key, ()))

    def retry_after(self, key: Hashable) -> float:
        """Seconds until ``key`` may make a request again (0.0 if it may now)."""
        if self.remaining(key) > 0:
            return 0.0
        oldest = self._hits[key][0]
        return oldest + self.window - self.clock()

    def reset(self, key: Hashable | None = None) -> None:
        """Forget the requests of ``key``, or of every key."""
        if key is None:
            self._hits.clear()
        else:
            self._hits.pop(key, None)
