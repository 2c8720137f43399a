"""Importers: benchmarks in their own layouts -> debugbox task packs that pass `tasks check`.

Each format module turns its source into TaskDrafts (skipping, with a reason, what cannot make a
task). `import_pack` writes the drafts, then runs `tasks check` over them and moves every task the
check refuses to `<out>/.rejected/` with its reasons, so the pack left behind is valid. The check
is passed in (the checker lives on the client floor, above this one, and plays real episodes).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio

from tasks.importers import calibrate, humanevalpack, quixbugs, swebench
from tasks.importers.common import ImportResult, Skipped, reject, write_draft
from tasks.loader import InvalidTask, load_task
from tasks.model import Task

log = logging.getLogger(__name__)

FORMATS = {"humanevalpack": humanevalpack.drafts, "quixbugs": quixbugs.drafts, "swebench": swebench.drafts}

# Checks loaded tasks; answers with a report whose `verdicts` (task_id, valid, reasons) follow the
# tasks' order, and its `elapsed_s` (harness.checker.check.check_tasks, its options bound).
Check = Callable[[list[Task]], Awaitable[Any]]


async def import_pack(
    fmt: str,
    source: Path,
    out: Path,
    *,
    limit: int | None = None,
    force: bool = False,
    check: Check | None = None,
    options: dict[str, Any] | None = None,
    time_margin: float = 0.5,
) -> ImportResult:
    """`check` judges the tasks written; None keeps every one unchecked. `options` go to the
    format (swebench: repos, scope, seed). A task the check refuses only for its time limits or for
    tests the source suite skips is revised (tasks/importers/calibrate.py) and checked once more."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown import format {fmt!r}: choose {', '.join(FORMATS)}")
    # Reading a source is blocking work (git archive, patches): off the event loop.
    drafts, skipped = await anyio.to_thread.run_sync(lambda: FORMATS[fmt](source, **(options or {})))
    if limit is not None:
        drafts = drafts[: max(0, limit)]
    out.mkdir(parents=True, exist_ok=True)
    result = ImportResult(out=out, skipped=list(skipped), items=len(drafts) + len(skipped))
    written: list[Path] = []
    for draft in drafts:
        if any(p.name == draft.id for p in written):  # 'a-1' and 'a_1' share a slug: --force must not replace one with the other
            result.skipped.append(Skipped(draft.id, f"an earlier item of this import became task {draft.id} (task ids are slugs of the item's name)"))
            continue
        try:
            written.append(write_draft(draft, out, force=force))
        except FileExistsError as exc:
            result.skipped.append(Skipped(draft.id, str(exc)))
        except InvalidTask as exc:
            result.skipped.append(Skipped(draft.id, f"not a loadable task: {exc}"))
    if check is None or not written:
        result.imported = [p.name for p in written]
        return result
    log.info("checking %d imported task(s)", len(written))
    report = await check([load_task(p) for p in written])
    result.checked = True
    result.check_elapsed_s = report.elapsed_s
    again: dict[str, tuple[Path, str]] = {}
    for verdict, task_dir in zip(report.verdicts, written):
        note = None if verdict.valid else calibrate.revise(task_dir, verdict.reasons, verdict, time_margin)
        if verdict.valid:
            result.imported.append(verdict.task_id)
        elif note:
            again[verdict.task_id] = (task_dir, note)
        else:
            reject(task_dir, out, verdict.reasons)
            result.rejected.append(Skipped(verdict.task_id, "; ".join(verdict.reasons)))
    if again:
        log.info("checking %d revised task(s) once more", len(again))
        revised: list[Task] = []
        for task_id, (task_dir, _) in again.items():
            try:
                revised.append(load_task(task_dir))
            except InvalidTask as exc:
                reject(task_dir, out, [str(exc)])
                result.rejected.append(Skipped(task_id, f"revised, then not loadable: {exc}"))
        second = await check(revised) if revised else None
        result.check_elapsed_s += second.elapsed_s if second else 0.0
        for verdict in second.verdicts if second else []:
            task_dir, note = again[verdict.task_id]
            if verdict.valid:
                result.imported.append(verdict.task_id)
                result.revised.append(Skipped(verdict.task_id, note))
            else:
                reject(task_dir, out, verdict.reasons)
                result.rejected.append(Skipped(verdict.task_id, f"{note}; still: " + "; ".join(verdict.reasons)))
    return result


def run_import(
    fmt: str, source: Path, out: Path, *, limit: int | None = None, force: bool = False, check: Check | None = None, options: dict[str, Any] | None = None,
    time_margin: float = 0.5,
) -> ImportResult:
    return anyio.run(lambda: import_pack(fmt, source, out, limit=limit, force=force, check=check, options=options, time_margin=time_margin))


__all__ = ["FORMATS", "ImportResult", "import_pack", "run_import"]
