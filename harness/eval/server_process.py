"""The debugbox server an evaluation talks to: one it spawns (`debugbox serve --transport http` on a
free loopback port, shared by every concurrent episode) or one already running (--server-url).

A spawned server that dies is started again before the next episode (the lost episodes are
system errors and get retried). It cannot outlive the evaluator: it runs in its own session
(Ctrl-C reaches only the evaluator, which stops it cleanly) and, on Linux, gets SIGTERM when the
evaluator dies, even by SIGKILL, so it still removes its sandboxes.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import anyio

from harness.client import SERVER_ENV_PREFIXES

log = logging.getLogger(__name__)

# Besides the server's own variables (harness.client.SERVER_ENV_PREFIXES): what a process needs to
# run at all. The model's API keys stay out, and so do bearer tokens: this server is private.
BASIC_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER", "LOGNAME")
PRIVATE_ENV = ("DEBUGBOX_AUTH_TOKENS",)
START_TIMEOUT_S = 300.0  # a first start on Docker may build the sandbox image
STOP_TIMEOUT_S = 60.0  # removing the containers of many episodes takes a while
DYING_GRACE_S = 10.0  # a server that refuses connections gets this long to exit before it is killed
PR_SET_PDEATHSIG = 1


class ServerStartError(ConnectionError):
    """The server could not be (re)started: recorded like a lost server (a system error)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(environ: dict[str, str] | None = None) -> dict[str, str]:
    env = os.environ if environ is None else environ
    return {
        k: v for k, v in env.items() if (k.startswith(SERVER_ENV_PREFIXES) or k in BASIC_ENV) and k not in PRIVATE_ENV
    }


def _pdeathsig_setter():
    """A function for Popen's preexec_fn that asks Linux to send the child SIGTERM when the parent
    thread dies; None where prctl is not available. libc is looked up here, in the parent, so the
    child between fork and exec only makes the one call."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return lambda: prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class ExternalServer:
    """A server someone else runs: nothing to start or stop."""

    def __init__(self, url: str):
        self.url = url
        self.restarts = 0

    @property
    def description(self) -> str:
        return self.url

    async def __aenter__(self) -> ExternalServer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def ensure(self) -> str:
        return self.url


class SpawnedServer:
    """`debugbox serve --transport http` as a child process; its output goes to `log_path`."""

    def __init__(self, log_path: Path, *, backend: str = "auto", task_packs: Sequence[str] = (), extra_args: Sequence[str] = ()):
        self.log_path = log_path
        self.backend = backend
        self.task_packs = list(task_packs)
        self.extra_args = list(extra_args)
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.restarts = 0
        self._lock = anyio.Lock()
        self._log: IO[bytes] | None = None

    @property
    def description(self) -> str:
        return f"{self.url} (spawned, --backend {self.backend}, log {self.log_path})"

    def command(self, port: int) -> list[str]:
        command = [sys.executable, "-m", "cli", "serve", "--transport", "http", "--port", str(port), "--backend", self.backend]
        for pack in self.task_packs:
            command += ["--tasks", pack]
        return command + self.extra_args

    async def __aenter__(self) -> SpawnedServer:
        self._log = open(self.log_path, "ab")
        try:
            await self._start()
        except BaseException:
            await self._stop()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stop()

    async def ensure(self) -> str:
        """The URL of a live server: started again if it died, or if it stopped listening.

        A killed server closes its sockets before the kernel lets it be reaped, so for a moment
        `poll()` still calls it alive while connections are refused; the episode that follows must
        not be the one to find out. A server that refuses connections is given a moment to finish
        dying, and one that neither exits nor listens is killed."""
        async with self._lock:
            if self.process is not None and self.process.poll() is None and not await self._listening():
                await self._await_exit(DYING_GRACE_S)
                if self.process.poll() is None:
                    log.warning("the debugbox server stopped listening but did not exit; killing it")
                    self.process.kill()
                    await self._await_exit(DYING_GRACE_S)
            if self.process is not None and self.process.poll() is not None:
                self.restarts += 1
                log.warning("the debugbox server exited (status %s); starting it again (restart %d)", self.process.returncode, self.restarts)
                await self._start()
            return self.url

    async def _start(self) -> None:
        assert self._log is not None
        port = free_port()
        command = self.command(port)
        self._log.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(command)}\n".encode())
        self._log.flush()
        # Popen from the event loop's thread: PDEATHSIG fires when the *thread* that forked exits.
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
            env=server_env(),
            start_new_session=True,
            preexec_fn=_pdeathsig_setter(),
        )
        self.url = f"http://127.0.0.1:{port}/mcp"
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                raise ServerStartError(f"the debugbox server exited with status {self.process.returncode}: {self._log_tail()}")
            try:
                stream = await anyio.connect_tcp("127.0.0.1", port)
            except OSError:
                if time.monotonic() > deadline:
                    raise ServerStartError(f"the debugbox server did not listen within {START_TIMEOUT_S:g} s: {self._log_tail()}") from None
                await anyio.sleep(0.1)
                continue
            await stream.aclose()
            log.info("debugbox server ready at %s", self.url)
            return

    async def _listening(self) -> bool:
        port = int(self.url.rsplit(":", 1)[1].split("/")[0])
        try:
            stream = await anyio.connect_tcp("127.0.0.1", port)
        except OSError:
            return False
        await stream.aclose()
        return True

    async def _await_exit(self, timeout_s: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout_s
        while self.process.poll() is None and time.monotonic() < deadline:
            await anyio.sleep(0.05)

    async def _stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()  # SIGTERM: the server ends its episodes and removes their sandboxes
            with anyio.CancelScope(shield=True):
                deadline = time.monotonic() + STOP_TIMEOUT_S
                while process.poll() is None and time.monotonic() < deadline:
                    await anyio.sleep(0.1)
            if process.poll() is None:
                log.warning("the debugbox server did not stop within %g s; killing it", STOP_TIMEOUT_S)
                process.kill()
                process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def _log_tail(self, chars: int = 2000) -> str:
        try:
            return self.log_path.read_bytes()[-chars:].decode("utf-8", "replace").strip() or "(no output)"
        except OSError:
            return "(no log)"
