"""CPU-heavy work of a call, kept off the event loop so no episode can stall another.

- Diffs, windows and large views run in worker threads, limited to a few at once (their own limiter,
  so they never take the threads that blocking engine calls need). They are pure Python, so the
  event loop gets the GIL back every few milliseconds (sys.getswitchinterval), and each job is
  bounded in size (environment/diffs.py, views.window, the episode limits).
- Syntax checks run in worker processes (environment/syntax_check.py): ast.parse holds the GIL for
  its whole run, up to a second on a large file.
Small jobs (under OFFLOAD_CHARS of text) run inline: a thread hop would cost more than the job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import anyio

from environment import diffs, views
from environment.episode import Edit
from environment.syntax_check import SyntaxCheck, SyntaxChecker

T = TypeVar("T")

OFFLOAD_CHARS = 50_000  # below this much text a job takes well under a millisecond


@dataclass
class EditFeedback:
    diff: str
    window_start: int
    window_end: int
    window: str
    syntax: SyntaxCheck


class Offload:
    def __init__(self, threads: int = 2, syntax_workers: int = 2, syntax_timeout_s: float = 10.0, search_threads: int = 2):
        self.threads = anyio.CapacityLimiter(threads)
        # Regex searches have threads of their own: one may run for its whole time budget
        # (environment/navigation.py), and must not hold up other episodes' diffs and views.
        self.search_threads = anyio.CapacityLimiter(search_threads)
        self.syntax = SyntaxChecker(syntax_workers, syntax_timeout_s)

    async def cpu(self, size: int, fn: Callable[..., T], *args) -> T:
        """fn(*args), in a worker thread when `size` (characters of text it handles) is large."""
        if size < OFFLOAD_CHARS:
            return fn(*args)
        return await anyio.to_thread.run_sync(fn, *args, limiter=self.threads)

    async def search(self, size: int, is_regex: bool, fn: Callable[..., T], *args) -> T:
        """A search, in a thread of its own limiter: always for a regex (it may backtrack for its
        whole time budget; the regex engine releases the GIL meanwhile), for a literal one past
        OFFLOAD_CHARS (a broad one counts every matching line)."""
        if not is_regex and size < OFFLOAD_CHARS:
            return fn(*args)
        return await anyio.to_thread.run_sync(fn, *args, limiter=self.search_threads)

    async def glob(self, fn: Callable[..., T], *args) -> T:
        """fn(*args) matching an agent's glob: in a search thread, since a glob may run for its whole
        time budget (environment/navigation.py) and must not hold up the event loop meanwhile."""
        return await anyio.to_thread.run_sync(fn, *args, limiter=self.search_threads)

    async def edit_feedback(self, edit: Edit, text: str) -> EditFeedback:
        """The diff and window of an applied edit, and the syntax check of the file's new `text`,
        the two side by side."""
        syntax: list[SyntaxCheck] = []

        async def check() -> None:
            syntax.append(await self.syntax.check(edit.path, text))

        async with anyio.create_task_group() as tg:
            tg.start_soon(check)
            diff, start, end, window = await self.cpu(len(text), views.describe_edit, edit.change, edit.first_new_line, edit.last_new_line)
        return EditFeedback(diff, start, end, window, syntax[0])

    async def render(self, changes: list[diffs.FileChange]) -> str:
        size = sum(_size(c.before) + _size(c.after) for c in changes)
        return (await self.cpu(size, diffs.render, changes)).text

    async def aclose(self) -> None:
        await self.syntax.aclose()


def _size(text: str | list[str]) -> int:
    return len(text) if isinstance(text, str) else LINE_CHARS * len(text)


LINE_CHARS = 30  # a typical source line, to size a job given as lines
