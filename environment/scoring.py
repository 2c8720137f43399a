"""Scoring and rewards, as pure functions of run results (DESIGN.md, Scoring)."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel

from sandbox.base import Frame, RunResult


class TestCounts(BaseModel):
    passed: int = 0
    failed: int = 0
    errors: int = 0
    timed_out: int = 0
    skipped: int = 0
    not_run: int = 0
    total: int = 0

    @property
    def fraction(self) -> float:
        return self.passed / self.total if self.total else 0.0


def count(result: RunResult, expected_total: int) -> TestCounts:
    """Outcome counts. `total` never drops below the tests the files define, so a module that
    fails to import counts its tests as failed instead of shrinking the denominator."""
    outcomes = [t.outcome for t in result.tests]
    counts = TestCounts(
        passed=outcomes.count("passed"),
        failed=outcomes.count("failed"),
        errors=outcomes.count("error"),
        timed_out=outcomes.count("timeout"),
        skipped=outcomes.count("skipped"),
    )
    seen = len(result.collected) if result.collected is not None else len(outcomes)
    counts.total = max(seen, expected_total, len(outcomes))
    counts.not_run = counts.total - len(outcomes)
    return counts


def best_visible_reward(fraction: float, best_so_far: float) -> float:
    """run_tests pays only for progress beyond the best visible pass fraction so far."""
    return round(max(0.0, fraction - best_so_far), 6)


def hidden_score(result: RunResult, expected_total: int) -> float:
    """Hidden tests passed / hidden tests total; 0 when the code does not even import."""
    counts = count(result, expected_total)
    return round(counts.fraction, 6)


def deepest_frame(frames: Iterable[Frame] | None, editable: Iterable[str]) -> Frame | None:
    """The innermost traceback frame that falls in a file the agent can edit."""
    allowed = set(editable)
    found = None
    for frame in frames or ():
        if frame.path in allowed:
            found = frame
    return found
