"""Syntax checks off the event loop: a few worker processes (environment/syntax_worker.py), each
answering one check at a time, with a time bound. A worker that times out, fails or whose caller
went away mid-check is killed; the next check starts a new one."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import anyio
from anyio.abc import Process
from anyio.streams.buffered import BufferedByteReceiveStream

from environment.views import SyntaxIssue

log = logging.getLogger(__name__)

WORKER = Path(__file__).with_name("syntax_worker.py")
MAX_ANSWER_BYTES = 64 * 1024
# A worker whose resident memory stays above this after a check (parsing 500 KB peaks at ~200 MB,
# and CPython usually gives it back) is ended rather than kept idle.
RECYCLE_AFTER_BYTES = 128 * 1024 * 1024


@dataclass
class SyntaxCheck:
    issue: SyntaxIssue | None = None
    unchecked: str | None = None  # why the check could not give an answer (then issue is None)


class _Worker:
    def __init__(self, process: Process):
        self.process = process
        assert process.stdin is not None and process.stdout is not None
        self.stdin = process.stdin
        self.answers = BufferedByteReceiveStream(process.stdout)

    @classmethod
    async def start(cls) -> _Worker:
        # -I: no environment variables, no user site-packages, no script directory on sys.path.
        process = await anyio.open_process([sys.executable, "-I", str(WORKER)], stderr=subprocess.DEVNULL)
        return cls(process)

    async def ask(self, path: str, text: str) -> dict:
        path_bytes = path.encode("utf-8", "surrogatepass")
        text_bytes = text.encode("utf-8", "surrogatepass")
        await self.stdin.send(f"{len(path_bytes)} {len(text_bytes)}\n".encode() + path_bytes + text_bytes)
        return json.loads(await self.answers.receive_until(b"\n", MAX_ANSWER_BYTES))

    async def kill(self) -> None:
        with anyio.CancelScope(shield=True):
            try:
                self.process.kill()
            except ProcessLookupError:
                pass
            await self.process.aclose()


class SyntaxChecker:
    def __init__(self, workers: int = 2, timeout_s: float = 10.0):
        self.timeout_s = timeout_s
        self._slots = anyio.CapacityLimiter(workers)
        self._idle: list[_Worker] = []
        self.checks = 0
        self.unchecked = 0

    async def check(self, path: str, text: str) -> SyntaxCheck:
        if not path.endswith(".py"):
            return SyntaxCheck()
        async with self._slots:
            reused = bool(self._idle)
            answer = await self._ask(path, text)
            if isinstance(answer, OSError | anyio.BrokenResourceError | anyio.EndOfStream) and reused:
                answer = await self._ask(path, text)  # an idle worker may have died meanwhile: once more, with a new one
        if isinstance(answer, TimeoutError):
            return self._unchecked(f"the syntax check took longer than {self.timeout_s:g} s")
        if isinstance(answer, Exception):
            log.warning("syntax worker failed: %r", answer)
            return self._unchecked("the syntax checker failed")
        self.checks += 1
        answer.pop("rss", None)
        if "unchecked" in answer:
            return self._unchecked(str(answer["unchecked"]))
        return SyntaxCheck(SyntaxIssue(**answer) if answer else None)

    async def _ask(self, path: str, text: str) -> dict | Exception:
        """A worker's answer, or what went wrong; a worker that failed in any way is killed."""
        worker: _Worker | None = None
        healthy = False
        try:
            worker = self._idle.pop() if self._idle else await _Worker.start()
            with anyio.fail_after(self.timeout_s):
                answer = await worker.ask(path, text)
            healthy = True
            return answer
        except (TimeoutError, OSError, ValueError, anyio.BrokenResourceError, anyio.EndOfStream, anyio.ClosedResourceError, anyio.IncompleteRead) as exc:
            return exc
        finally:
            if worker is not None:
                if healthy and answer.get("rss", 0) <= RECYCLE_AFTER_BYTES:
                    self._idle.append(worker)
                else:
                    await worker.kill()

    def _unchecked(self, why: str) -> SyntaxCheck:
        self.unchecked += 1
        return SyntaxCheck(unchecked=why)

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for worker in idle:
            await worker.kill()
