"""Run summaries for people."""

from __future__ import annotations

from taskgraph.executor import RunReport
from taskgraph.fingerprint import short
from taskgraph.planner import Schedule


def summary(report: RunReport) -> str:
    parts = [f"{len(report.ran)} ran", f"{len(report.up_to_date)} up to date"]
    if report.failed:
        parts.append(f"{len(report.failed)} failed")
    if report.not_run:
        parts.append(f"{len(report.not_run)} not run")
    return ", ".join(parts)


def render(report: RunReport, verbose: bool = False) -> str:
    lines = []
    for name in report.ran:
        lines.append(f"  ran         {name}" + (f"  [{short(report.fingerprints[name])}]" if verbose else ""))
    for name in report.up_to_date:
        lines.append(f"  up to date  {name}")
    for name, reason in report.failed.items():
        lines.append(f"  FAILED      {name}: {reason}")
    for name in report.not_run:
        lines.append(f"  not run     {name}")
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def render_schedule(schedule: Schedule) -> str:
    lines = []
    for worker, jobs in sorted(schedule.by_worker().items()):
        cells = [f"{j}@{schedule.slot(j).start:g}" for j in jobs]
        lines.append(f"worker {worker}: " + " ".join(cells))
    lines.append(f"makespan {schedule.makespan:g}s")
    return "\n".join(lines) + "\n"
