"""The live progress bar on stderr (rich): episodes done, resolved, failed and errored, retries.
stdout stays free for the summary."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

COUNTS = ("resolved", "failed", "errored", "retries")


def counts_of(final_lines: list[Mapping[str, Any]]) -> dict[str, int]:
    """resolved / failed (scored, not resolved) / errored (system error after every retry)."""
    counts = dict.fromkeys(COUNTS, 0)
    for line in final_lines:
        if line["outcome"] != "scored":
            counts["errored"] += 1
        elif line["resolved"]:
            counts["resolved"] += 1
        else:
            counts["failed"] += 1
    return counts


class EvalProgress:
    def __init__(self, total: int, *, done: list[Mapping[str, Any]] | None = None, enabled: bool = True, verbose: bool = False):
        self.console = Console(stderr=True)
        self._stderr = sys.stderr
        self._handlers: list[tuple[logging.StreamHandler, object]] = []
        self.verbose = verbose
        self.counts = counts_of(done or [])
        self._bar = Progress(
            SpinnerColumn(),
            TextColumn("[bold]eval"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(
                "[green]resolved {task.fields[resolved]}[/] [yellow]failed {task.fields[failed]}[/] "
                "[red]errored {task.fields[errored]}[/] [dim]retries {task.fields[retries]}[/]"
            ),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            disable=not enabled,
            transient=False,
        )
        self._task = self._bar.add_task("eval", total=total, completed=len(done or []), **self.counts)

    def __enter__(self) -> EvalProgress:
        self._bar.start()
        # While the bar is live, rich puts sys.stderr behind a proxy that prints above the bar; log
        # handlers made earlier still hold the real stream and would tear the bar, so point them at it.
        self._handlers = [
            (h, h.stream) for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler) and h.stream in (sys.__stderr__, self._stderr)
        ]
        for handler, _ in self._handlers:
            handler.setStream(sys.stderr)
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()
        for handler, stream in self._handlers:
            handler.setStream(stream)

    def episode_done(self, line: Mapping[str, Any], final: bool) -> None:
        """One attempt recorded; `final` when no retry follows it."""
        error = line.get("error")
        if not final:
            self.counts["retries"] += 1
            self.console.print(f"[dim]{line['key']}: system error ({error['kind']}), retrying: {error['message']}[/]", highlight=False)
        elif line["outcome"] != "scored":
            self.counts["errored"] += 1
            self.console.print(f"[red]{line['key']}: system error ({error['kind']}) after every retry: {error['message']}[/]", highlight=False)
        else:
            self.counts["resolved" if line["resolved"] else "failed"] += 1
            if self.verbose:
                verdict = "resolved" if line["resolved"] else f"score {line['score']:.2f}"
                self.console.print(f"{line['key']}: {verdict} in {line['n_steps']} steps ({line['stop_reason']})", highlight=False)
        self._bar.update(self._task, advance=1 if final else 0, **self.counts)
