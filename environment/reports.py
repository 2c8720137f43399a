"""What a run's failures tell the agent: each failing test (or exception of a snippet) located in the
agent's own code where possible, with the line around it. Pure: no I/O."""

from __future__ import annotations

from environment import run_results as rr
from environment import scoring, views
from environment.episode import Episode
from sandbox.base import Frame, RunResult, TestResult


def role(ep: Episode, path: str) -> str:
    if path in ep.files:
        return "editable"
    return "test" if path in ep.task.test_files else "readonly"


def located(ep: Episode, name: str, outcome: str, message: str, details: str, frames: list[Frame] | None, **facts) -> rr.TestReport:
    # Prefer the agent's own code; failing that (a plain wrong result), the failing test line.
    readable = ep.readable_files()
    frame = scoring.deepest_frame(frames, ep.files) or scoring.deepest_frame(frames, ep.task.test_files)
    location = context = None
    if frame is not None:
        lines = views.split_lines(readable[frame.path])
        if 1 <= frame.line <= len(lines):
            location = f"{frame.path}:{frame.line}"
            context = views.window(lines, frame.line, frame.line)[2]
    return rr.TestReport(test=name, outcome=outcome, message=message, details=details, location=location, context=context, **facts)


def report(ep: Episode, test: TestResult) -> rr.TestReport:
    facts = {"params": test.params, "captured": test.captured, "duration_s": test.duration}
    return located(ep, test.nodeid, test.outcome, test.message or "", test.longrepr or "", test.frames, **facts)


def passing(ep: Episode, result: RunResult) -> list[rr.TestReport]:
    """Verbose runs: every passing test with its duration and what it printed."""
    return [report(ep, t) for t in result.tests if t.outcome == "passed"]


def failures(ep: Episode, result: RunResult) -> list[rr.TestReport]:
    """Tests that did not pass, then those the run never reached."""
    found = [report(ep, t) for t in result.tests if t.outcome not in ("passed", "skipped")]
    found += [rr.TestReport(test=n, outcome="not run", message="the run ended before this test finished") for n in result.not_run]
    return found


def collection_errors(ep: Episode, result: RunResult) -> list[rr.TestReport]:
    return [located(ep, e.nodeid, "collection error", "", e.longrepr, e.frames) for e in result.collect_errors]
