"""Which tasks an evaluation runs: `--tasks` takes task ids, difficulties, `tag:NAME`, `all`, and
task pack directories or shipped packs by name (`repos`: every task of the pack), comma-separated
or repeated."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tasks.loader import Catalog, load_catalog, load_pack, resolve_pack
from tasks.model import DIFFICULTIES_IN_WORDS, Difficulty, Task

log = logging.getLogger(__name__)

ALL = "all"
TAG_PREFIX = "tag:"


class SelectionError(ValueError):
    pass


@dataclass
class Selection:
    tasks: list[Task]  # in catalog order, each once
    packs: list[str]  # extra packs the server must load too
    catalog: Catalog


def split_specs(values: Sequence[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def select_tasks(specs: Sequence[str], extra_packs: Sequence[str] = ()) -> Selection:
    """Resolve the specs against the bundled pack, DEBUGBOX_TASKS and `extra_packs`; a spec that
    names an existing directory (and no known task) is a pack of its own."""
    specs = split_specs(specs) or [ALL]
    packs = [str(Path(p)) for p in extra_packs]
    known = load_catalog(packs)
    pack_specs = [s for s in specs if s not in known.tasks and s != ALL and not s.startswith(TAG_PREFIX) and resolve_pack(s).is_dir()]
    packs += [str(resolve_pack(p)) for p in pack_specs]
    catalog = load_catalog(packs) if pack_specs else known
    for error in catalog.errors:
        log.warning("task rejected: %s", error)
    chosen: set[str] = set()
    for spec in specs:
        if spec == ALL:
            chosen.update(catalog.tasks)
        elif spec in catalog.tasks:
            chosen.add(spec)
        elif spec in Difficulty.__members__:
            chosen.update(t.id for t in catalog.select(difficulty=spec))
        elif spec.startswith(TAG_PREFIX):
            matched = catalog.select(tag=spec[len(TAG_PREFIX) :])
            if not matched:
                raise SelectionError(f"no task carries the tag {spec[len(TAG_PREFIX):]!r}")
            chosen.update(t.id for t in matched)
        elif spec in pack_specs:
            tasks, _ = load_pack(resolve_pack(spec))
            chosen.update(t.id for t in tasks if t.id in catalog.tasks)
        else:
            raise SelectionError(
                f"{spec!r} is not a task id, a difficulty ({DIFFICULTIES_IN_WORDS}), tag:NAME, 'all' or a task pack directory; "
                "`debugbox tasks list` shows the ids"
            )
    tasks = [task for task_id, task in catalog.tasks.items() if task_id in chosen]
    if not tasks:
        raise SelectionError("the selection holds no task")
    return Selection(tasks, packs, catalog)
