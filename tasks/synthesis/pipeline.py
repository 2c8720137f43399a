"""Synthesize tasks for one or more packages: the whole run, resumable and parallel.

Per package: fetch the sdist, build the venv, measure the baseline, then walk the mutation sites
in a seeded order, evaluating candidates on worker threads (each evaluation is two pytest
processes, so the CPUs work in parallel) until `count` tasks are written: single-bug tasks first,
then hard ones that combine two or three kept bugs from different modules (different functions
when the package is one module). The state file `DIR/.synthesis-state.json` records every site
tried and every task written, so a second run with the same arguments continues where it stopped.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tasks.synthesis.candidates import Candidate, evaluate, prepare_baseline
from tasks.synthesis.mutators import Site, find_sites, seeded_order
from tasks.synthesis.project import load_project
from tasks.synthesis.recipes import recipe_for
from tasks.synthesis.sdist import fetch
from tasks.synthesis.venv import pinned, venv_python
from tasks.synthesis.writer import write_task

STATE_FILE = ".synthesis-state.json"
HARD_FRACTION = 0.2  # of each package's tasks: two or three bugs
MAX_TRIES_PER_TASK = 12  # give up on a package after count * this many candidates


@dataclass
class PackageReport:
    requirement: str
    written: list[str] = field(default_factory=list)
    tried: int = 0
    rejected: Counter = field(default_factory=Counter)
    difficulty: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    error: str = ""


Progress = Callable[[str, int, int], None]  # (package, tasks written, tasks wanted)


class State:
    """What a previous run did, keyed by package and site: it is loaded, extended and saved often."""

    def __init__(self, out: Path, seed: int):
        self.path = out / STATE_FILE
        self.data = {"seed": seed, "packages": {}}
        if self.path.is_file():
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            if loaded.get("seed") == seed:
                self.data = loaded

    def package(self, requirement: str) -> dict:
        return self.data["packages"].setdefault(requirement, {"tried": {}, "written": {}, "kept": []})

    def save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)


def _combinations(kept: list[Candidate], rng: random.Random, single_module: bool) -> list[tuple[Site, ...]]:
    combos = []
    pool = list(kept)
    rng.shuffle(pool)
    for i, first in enumerate(pool):
        for second in pool[i + 1 :]:
            a, b = first.sites[0], second.sites[0]
            apart = a.function != b.function if single_module else a.module != b.module
            if apart and not (first.failing <= second.failing or second.failing <= first.failing):
                combos.append((a, b))
                break
    third = []
    for a, b in combos[: len(combos) // 3]:
        extra = next((c.sites[0] for c in pool if c.sites[0].module not in (a.module, b.module) or (single_module and c.sites[0].function not in (a.function, b.function))), None)
        if extra is not None:
            third.append((a, b, extra))
    return third + combos


def synthesize_package(requirement: str, out: Path, count: int, seed: int, cache: Path, state: State, workers: int, progress: Progress) -> PackageReport:
    started = time.monotonic()
    report = PackageReport(requirement)
    recipe = recipe_for(requirement)
    project = load_project(fetch(recipe.requirement, cache), recipe)
    python = venv_python(cache, project.requires)
    project = dataclasses.replace(project, requires=pinned(python, project.requires))
    baseline = prepare_baseline(project, python)
    record = state.package(project.requirement)
    rng = random.Random(f"{seed}:{project.requirement}")
    sites = seeded_order([s for module in project.mutable for s in find_sites(module, project.sources[module])], seed, project.requirement)
    by_key = {s.key + s.replacement: s for s in sites}
    written: dict[str, str] = record["written"]
    report.written = [t for t in written if (out / t / "task.toml").is_file()]
    signatures = set()
    kept: list[Candidate] = []
    hard_wanted = max(1, round(count * HARD_FRACTION)) if count >= 3 else 0
    single_wanted = count - hard_wanted
    progress(project.requirement, len(report.written), count)

    def consider(candidate: Candidate | str, key: str) -> None:
        report.tried += 1
        if isinstance(candidate, str):
            record["tried"][key] = candidate
            report.rejected[candidate] += 1
            return
        if candidate.signature in signatures:
            record["tried"][key] = "near_duplicate"
            report.rejected["near_duplicate"] += 1
            return
        signatures.add(candidate.signature)
        if len(candidate.sites) == 1:
            kept.append(candidate)
        tid, facts = write_task(out, baseline, candidate, seed=seed)
        record["tried"][key] = "kept"
        written[tid] = key
        report.written.append(tid)
        report.difficulty[facts.difficulty] += 1
        progress(project.requirement, len(report.written), count)

    def run_batch(batch: list[tuple[Site, ...]], want: Callable[[], bool]) -> None:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for i in range(0, len(batch), workers):
                if not want():
                    return
                chunk = batch[i : i + workers]
                known = frozenset(signatures)
                # Every result of the chunk first: writing a task parses code, which must not overlap
                # the workers' parses (tasks/synthesis/parsing.py).
                results = list(pool.map(lambda s: evaluate(baseline, s, seen=known), chunk))
                for sites_, result in zip(chunk, results):
                    if want():
                        consider(result, "|".join(s.key + s.replacement for s in sites_))
                state.save()

    singles_done = lambda: sum(1 for k in written if "|" not in written[k]) >= single_wanted  # noqa: E731
    fresh = [(s,) for s in sites if s.key + s.replacement not in record["tried"]]
    # Re-evaluate the kept singles of an earlier run (cheap next to a search): hard tasks combine them.
    for key in [k for k, v in record["tried"].items() if v == "kept" and "|" not in k and k in by_key]:
        result = evaluate(baseline, (by_key[key],))
        if isinstance(result, Candidate):
            kept.append(result)
            signatures.add(result.signature)
    budget = count * MAX_TRIES_PER_TASK
    run_batch(fresh[:budget], lambda: not singles_done() and report.tried < budget)
    hard_done = lambda: len(report.written) >= count  # noqa: E731
    combos = [c for c in _combinations(kept, rng, len(project.mutable) == 1) if "|".join(s.key + s.replacement for s in c) not in record["tried"]]
    run_batch(combos, lambda: not hard_done())
    # Too few combinations (a small package): more single bugs make up the count.
    rest = [(s,) for s in sites if s.key + s.replacement not in record["tried"]]
    run_batch(rest[: max(0, budget - report.tried)], lambda: not hard_done() and report.tried < budget)
    report.seconds = time.monotonic() - started
    record["seconds"] = record.get("seconds", 0.0) + report.seconds  # every run's time, for tasks per minute
    state.save()
    return report


def synthesize(requirements: list[str], out: Path, *, count: int, seed: int, cache: Path, workers: int | None = None, progress: Progress | None = None) -> list[PackageReport]:
    out.mkdir(parents=True, exist_ok=True)
    state = State(out, seed)
    workers = workers or max(1, os.cpu_count() or 1)
    reports = []
    for requirement in requirements:
        try:
            reports.append(synthesize_package(requirement, out, count, seed, cache, state, workers, progress or (lambda *a: None)))
        except Exception as exc:  # noqa: BLE001 - one bad package must not stop the others; named in the report
            reports.append(PackageReport(requirement, error=f"{type(exc).__name__}: {exc}"))
    return reports
