"""Synthesis figures (issue 19) -> BENCHMARKS_SYNTHESIS.md.

Measured in this run: a fresh synthesis of two packages into a temporary pack (sdists and venvs
from the cache), with candidates tried, kept and rejected by reason and tasks per minute; the
baseline is one pristine run of each package's kept suite, measured in the same run, so the
ratio (seconds per task / seconds per suite run) travels between machines.
With `--pack DIR`: the figures of a built pack (the default one): difficulty, files and tests per
task, bug kinds, and what its state file says was tried and what `tasks check` refused.

    python -m bench.synthesis --pack packs/synthesized
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from bench.measure import REPO
from tasks.loader import load_pack
from tasks.synthesis.candidates import prepare_baseline
from tasks.synthesis.pipeline import STATE_FILE, synthesize
from tasks.synthesis.project import load_project
from tasks.synthesis.recipes import recipe_for
from tasks.synthesis.sdist import fetch
from tasks.synthesis.venv import venv_python

PACKAGES = ["parse==1.22.4", "inflection==0.5.1"]
COUNT = 6


def suite_seconds(requirement: str, cache: Path) -> float:
    recipe = recipe_for(requirement)
    project = load_project(fetch(requirement, cache), recipe)
    return prepare_baseline(project, venv_python(cache, project.requires)).seconds


def fresh_run(cache: Path) -> list[str]:
    lines = ["## A fresh synthesis, measured in this run", "",
             f"`synthesize({PACKAGES}, count={COUNT}, seed=19, workers={os.cpu_count()})` into an empty directory (sdists and venvs cached).", "",
             "| package | tasks | tried | rejected by reason | seconds | tasks/min | suite run (s) | s per task / suite run |", "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |"]
    with tempfile.TemporaryDirectory() as tmp:
        for requirement in PACKAGES:
            suite = suite_seconds(requirement, cache)
            started = time.monotonic()
            (report,) = synthesize([requirement], Path(tmp) / requirement, count=COUNT, seed=19, cache=cache)
            seconds = time.monotonic() - started
            reasons = ", ".join(f"{k} {v}" for k, v in sorted(report.rejected.items())) or "-"
            per_task = seconds / max(1, len(report.written))
            lines.append(f"| {requirement} | {len(report.written)} | {report.tried} | {reasons} | {seconds:.0f} | {60 / per_task:.1f} | {suite:.2f} | {per_task / suite:.0f} |")
    return lines


def pack_figures(pack: Path) -> list[str]:
    tasks, errors = load_pack(pack)
    state = json.loads((pack / STATE_FILE).read_text()) if (pack / STATE_FILE).is_file() else {"packages": {}}
    lines = [f"## The pack in `{pack.name}`: {len(tasks)} tasks load" + (f", {len(errors)} do not" if errors else ""), ""]
    by_package: dict[str, list] = {}
    for task in tasks:
        by_package.setdefault(task.spec.synthesis.package if task.spec.synthesis else "?", []).append(task)
    lines += ["| package | tasks | easy | medium | hard | src files | editable | visible tests | hidden tests (static) | failing tests (median) | call distance (median) |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for package, group in sorted(by_package.items()):
        d = Counter(t.spec.difficulty.value for t in group)
        med = lambda xs: statistics.median(xs) if xs else 0  # noqa: E731
        lines.append(
            f"| {package} | {len(group)} | {d['easy']} | {d['medium']} | {d['hard']} | {med([len(t.source_files) for t in group]):g} | {med([len(t.spec.editable) for t in group]):g}"
            f" | {med([t.visible_test_count for t in group]):g} | {med([t.hidden_test_count for t in group]):g} | {med([t.spec.synthesis.failing_tests for t in group]):g}"
            f" | {med([t.spec.synthesis.call_distance for t in group]):g} |"
        )
    kinds = Counter(m for t in tasks if t.spec.synthesis for m in t.spec.synthesis.mutators)
    lines += ["", "Bug kinds: " + ", ".join(f"{k} {v}" for k, v in kinds.most_common()), "",
              "Medians per task; tests are test functions counted statically (parametrized cases with literal lists count each case).", ""]
    lines += ["Candidates (from the state file, all runs):", "", "| package | tried | kept | rejected by reason | synthesis time | tasks/min |", "| --- | ---: | ---: | --- | ---: | ---: |"]
    for package, record in sorted(state["packages"].items()):
        outcomes = Counter(record["tried"].values())
        kept = outcomes.pop("kept", 0)
        seconds = record.get("seconds")
        timing = f"{seconds:.0f} s | {len(record['written']) / (seconds / 60):.1f}" if seconds else "- | -"
        lines.append(f"| {package} | {sum(outcomes.values()) + kept} | {kept} | {', '.join(f'{k} {v}' for k, v in sorted(outcomes.items())) or '-'} | {timing} |")
    checked = state.get("checked", {})
    if checked:
        refused = [tid for tid, verdict in checked.items() if verdict != "valid"]
        lines += ["", f"`tasks check`: {len(checked) - len(refused)} valid, {len(refused)} refused (moved to .rejected/)."]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pack", type=Path)
    parser.add_argument("--out", type=Path, default=REPO / "BENCHMARKS_SYNTHESIS.md")
    parser.add_argument("--skip-fresh", action="store_true", help="only the pack's figures")
    args = parser.parse_args()
    cache = Path(os.environ.get("DEBUGBOX_SYNTHESIS_CACHE") or Path.home() / ".cache" / "debugbox" / "synthesis")
    load = os.getloadavg()[0]
    lines = ["# Synthesis benchmarks", "", f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load average {load:.1f} at the start; `python -m bench.synthesis`.", ""]
    if not args.skip_fresh:
        lines += fresh_run(cache) + [""]
    if args.pack:
        lines += pack_figures(args.pack) + [""]
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
