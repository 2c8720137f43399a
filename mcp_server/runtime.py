"""Running a service: start the sandbox provider, keep the background upkeep going while the
server serves, and clean everything up on exit, SIGINT or SIGTERM."""

from __future__ import annotations

import logging
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio

from mcp_server.service import DebugService

log = logging.getLogger(__name__)


@asynccontextmanager
async def running(
    service: DebugService, *, handle_signals: bool = False, on_signal: Callable[[], None] | None = None
) -> AsyncIterator[anyio.CancelScope]:
    """Yields a cancel scope that a signal cancels; leaving it removes every sandbox. With on_signal,
    the first signal calls it instead (a graceful stop the body then returns from) and a second
    one cancels."""
    await service.provider.start()
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(service.provider.run_background)
            tg.start_soon(service.run_background)
            if handle_signals:
                tg.start_soon(_cancel_on_signal, tg.cancel_scope, on_signal)
            try:
                yield tg.cancel_scope
            finally:
                tg.cancel_scope.cancel()
    finally:
        with anyio.CancelScope(shield=True):
            await service.aclose()
            await service.provider.aclose()


async def _cancel_on_signal(scope: anyio.CancelScope, on_signal: Callable[[], None] | None) -> None:
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for signum in signals:
            log.info("received %s: ending episodes and removing their sandboxes", signal.Signals(signum).name)
            if on_signal is None:
                scope.cancel()
                return
            on_signal()
            on_signal = None
