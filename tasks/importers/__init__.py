"""Importers: benchmarks in their own layouts -> debugbox task packs that pass `tasks check`.

Each format module turns its source into TaskDrafts (skipping, with a reason, what cannot make a
task). `import_pack` writes the drafts, then runs `tasks check` over them and moves every task the
check refuses to `<out>/.rejected/` with its reasons, so the pack left behind is valid.
"""

from __future__ import annotations

import logging
from pathlib import Path

import anyio

from tasks.importers import humanevalpack, quixbugs
from tasks.importers.common import ImportResult, Skipped, reject, write_draft
from tasks.loader import InvalidTask, load_task

log = logging.getLogger(__name__)

FORMATS = {"humanevalpack": humanevalpack.drafts, "quixbugs": quixbugs.drafts}


async def import_pack(fmt: str, source: Path, out: Path, *, limit: int | None = None, force: bool = False, check=None) -> ImportResult:
    """`check` is a tasks.validator.CheckOptions, or None to keep every task written unchecked."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown import format {fmt!r}: choose {', '.join(FORMATS)}")
    drafts, skipped = FORMATS[fmt](source)
    if limit is not None:
        drafts = drafts[: max(0, limit)]
    out.mkdir(parents=True, exist_ok=True)
    result = ImportResult(out=out, skipped=list(skipped))
    written: list[Path] = []
    for draft in drafts:
        try:
            written.append(write_draft(draft, out, force=force))
        except FileExistsError as exc:
            result.skipped.append(Skipped(draft.id, str(exc)))
        except InvalidTask as exc:
            result.skipped.append(Skipped(draft.id, f"not a loadable task: {exc}"))
    if check is None or not written:
        result.imported = [p.name for p in written]
        return result
    from tasks.validator import check_tasks

    log.info("checking %d imported task(s) on the %s backend", len(written), check.backend)
    report = await check_tasks([load_task(p) for p in written], check)
    result.checked = True
    result.check_elapsed_s = report.elapsed_s
    for verdict, task_dir in zip(report.verdicts, written):
        if verdict.valid:
            result.imported.append(verdict.task_id)
        else:
            reject(task_dir, out, verdict.reasons)
            result.rejected.append(Skipped(verdict.task_id, "; ".join(verdict.reasons)))
    return result


def run_import(fmt: str, source: Path, out: Path, *, limit: int | None = None, force: bool = False, check=None) -> ImportResult:
    return anyio.run(lambda: import_pack(fmt, source, out, limit=limit, force=force, check=check))


__all__ = ["FORMATS", "ImportResult", "import_pack", "run_import"]
