"""Running a service: start the sandbox provider, keep the background upkeep going while the
server serves, and clean everything up on exit, SIGINT or SIGTERM."""

from __future__ import annotations

import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import anyio
from anyio.abc import TaskGroup

from environment.service import DebugService

log = logging.getLogger(__name__)


@asynccontextmanager
async def running(
    service: DebugService, *, handle_signals: bool = False, on_signal: Callable[[], Awaitable[None]] | None = None
) -> AsyncIterator[anyio.CancelScope]:
    """Yields a cancel scope that a signal cancels; leaving it removes every sandbox. With on_signal,
    the first signal starts it instead (a graceful stop that makes the body return) and a second
    signal cancels at once."""
    await service.provider.start()
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(service.provider.run_background)
            tg.start_soon(service.run_background)
            if handle_signals:
                tg.start_soon(_cancel_on_signal, tg, on_signal)
            try:
                yield tg.cancel_scope
            finally:
                tg.cancel_scope.cancel()
    finally:
        with anyio.CancelScope(shield=True):
            await service.aclose()
            await service.provider.aclose()


async def _cancel_on_signal(tg: TaskGroup, on_signal: Callable[[], Awaitable[None]] | None) -> None:
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for signum in signals:
            name = signal.Signals(signum).name
            if on_signal is None:
                log.info("received %s: ending episodes and removing their sandboxes", name)
                tg.cancel_scope.cancel()
                return
            log.info("received %s: finishing the calls in flight, then ending episodes (again: at once)", name)
            tg.start_soon(on_signal)
            on_signal = None
