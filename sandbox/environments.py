"""One ready environment per distinct request, made once: what both backends' providers share.

A provider hands `get` a request; the first caller runs the backend's blocking `prepare` (wheels,
then an image or a venv) in a worker thread, every concurrent caller for the same request waits
for that one preparation, and later callers get the remembered result from a dict (a pool hit on
an environment image costs what one on the plain image does). A request that cannot be installed
is remembered too, for FAILURE_TTL_S, so a bad task does not run pip on every start_task.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Generic, TypeVar

import anyio

from sandbox.base import SandboxError
from sandbox.environment_request import EnvironmentBuildError, EnvironmentRequest

log = logging.getLogger(__name__)

FAILURE_TTL_S = 60.0

Ready = TypeVar("Ready")


class EnvironmentResolver(Generic[Ready]):
    def __init__(self, prepare: Callable[[EnvironmentRequest], tuple[Ready, bool]], what: str):
        """prepare(request) -> (the ready environment, whether it was built now); blocking."""
        self._prepare = prepare
        self._what = what
        self._ready: dict[str, Ready] = {}
        self._failed: dict[str, tuple[float, EnvironmentBuildError]] = {}
        self._locks: dict[str, anyio.Lock] = {}
        self.built = 0  # environments built by this process (an image build, a venv made)
        self.found = 0  # environments found already built (by an earlier server, or `image build`)

    async def get(self, request: EnvironmentRequest) -> Ready:
        ready = self._ready.get(request.key)
        if ready is not None:
            return ready
        lock = self._locks.setdefault(request.key, anyio.Lock())
        async with lock:
            ready = self._ready.get(request.key)
            if ready is not None:
                return ready
            failed = self._failed.get(request.key)
            if failed is not None and time.monotonic() - failed[0] < FAILURE_TTL_S:
                raise failed[1]
            log.info("preparing the %s for %s (wheels from the cache or the index, then built unless it exists)", self._what, request.describe())
            try:
                # Not abandoned on cancel: a build half done must finish (or fail) before another starts.
                ready, built = await anyio.to_thread.run_sync(self._prepare, request)
            except EnvironmentBuildError as exc:
                self._failed[request.key] = (time.monotonic(), exc)
                log.warning("the %s for %s cannot be built: %s", self._what, request.describe(), exc)
                raise
            except SandboxError:
                raise
            except Exception as exc:  # the engine, the disk: the backend failed, not the request
                raise SandboxError(f"preparing the {self._what} for {request.describe()} failed: {exc}") from exc
            self._failed.pop(request.key, None)
            self._ready[request.key] = ready
            if built:
                self.built += 1
            else:
                self.found += 1
            return ready

    def forget(self, request: EnvironmentRequest) -> None:
        """The environment vanished (an image removed behind our back): prepare it again next time."""
        self._ready.pop(request.key, None)

    def status(self) -> dict[str, int]:
        return {"environments_ready": len(self._ready), "environments_built": self.built, "environments_found": self.found, "environments_failed": len(self._failed)}
