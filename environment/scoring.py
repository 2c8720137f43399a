"""Scoring and rewards, as pure functions of run results (DESIGN.md, Scoring and rewards).

The score counts only what the agent changed. The hidden tests split by what the original code
does with them: those it fails (fail_to_pass, F) and those it passes (pass_to_pass, P), and

    score = max(0, (F fixed - P broken) / |F|)

so untouched code scores 0, however many hidden tests it already passes.

Shaped rewards are potential-based (Ng, Harada and Russell, 1999) with the potential
Phi = (visible pass fraction measured last) - (the original's), which starts at 0 and is settled to
0 when the episode ends: a full visible run earns the change of Phi, the submit earns the score
minus Phi. An episode's rewards therefore sum to its score (to float rounding): runs, undos and resets on
their own earn nothing net, and leaving the code as it was earns 0 in total.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field, computed_field

from sandbox.base import Frame, RunResult

RewardMode = Literal["shaped", "sparse"]
REWARD_MODES: tuple[RewardMode, ...] = ("shaped", "sparse")


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


def passing(result: RunResult) -> set[str]:
    """The node ids that passed; none when the runner caught the run tampering with the harness."""
    if result.tampered:
        return set()
    return {t.nodeid for t in result.tests if t.outcome == "passed"}


class Baseline(BaseModel):
    """What the task's original code does: the visible pass counts (where the shaped rewards start)
    and the hidden tests it passes (the pass_to_pass set; the rest are fail_to_pass)."""

    visible_passed: int = Field(ge=0)
    visible_total: int = Field(ge=0)
    hidden_passing: list[str]
    hidden_total: int = Field(ge=0)

    @property
    def visible_fraction(self) -> float:
        return self.visible_passed / self.visible_total if self.visible_total else 0.0

    @property
    def fail_to_pass(self) -> int:
        return max(0, self.hidden_total - len(self.hidden_passing))


class Score(BaseModel):
    score: float = Field(description="max(0, (fail_to_pass fixed - pass_to_pass broken) / fail_to_pass); 0 for untouched code")
    resolved: bool = Field(description="every hidden test passes")
    fixed: int = Field(description="hidden tests the original fails that now pass")
    broken: int = Field(description="hidden tests the original passes that now fail")
    fail_to_pass: int = Field(description="hidden tests the original fails")
    pass_to_pass: int = Field(description="hidden tests the original passes")
    hidden_passed: int = Field(description="hidden tests passing now (the raw count)")
    hidden_total: int
    untouched: bool = Field(default=False, description="the code was submitted as the task gave it (score 0)")

    @computed_field(description="hidden_passed / hidden_total: the raw pass rate, reported beside the score")
    @property
    def hidden_pass_rate(self) -> float:
        return self.hidden_passed / self.hidden_total if self.hidden_total else 0.0


def score(baseline: Baseline, result: RunResult, expected_total: int, *, untouched: bool = False) -> Score:
    """The score of a scoring run against the original's hidden results. Untouched code scores 0
    whatever the run says (a flaky test could say otherwise); its counts are still reported."""
    counts = count(result, max(expected_total, baseline.hidden_total))
    now = passing(result)
    before = set(baseline.hidden_passing)
    fixed = len(now - before)
    broken = len(before - now)
    fail_to_pass = max(baseline.fail_to_pass, counts.total - len(before))
    value = max(0.0, min(1.0, (fixed - broken) / fail_to_pass)) if fail_to_pass and not untouched else 0.0
    return Score(
        score=round(value, 6),
        resolved=counts.total > 0 and len(now) == counts.total,
        fixed=fixed,
        broken=broken,
        fail_to_pass=fail_to_pass,
        pass_to_pass=len(before),
        hidden_passed=len(now),
        hidden_total=counts.total,
        untouched=untouched,
    )


def potential(visible_fraction: float, baseline: Baseline) -> float:
    """Phi of code whose full visible run passed `visible_fraction`: progress over the original's."""
    return visible_fraction - baseline.visible_fraction


def visible_run_reward(mode: RewardMode, phi_before: float, phi_after: float) -> float:
    """A full visible run pays the change of the potential (shaped), nothing (sparse)."""
    return phi_after - phi_before if mode == "shaped" else 0.0


def submit_reward(mode: RewardMode, phi: float, final_score: float) -> float:
    """The submit pays the score, minus (shaped) what the visible runs already paid: Phi goes to 0."""
    return final_score - phi if mode == "shaped" else final_score


def deepest_frame(frames: Iterable[Frame] | None, editable: Iterable[str]) -> Frame | None:
    """The innermost traceback frame that falls in a file the agent can edit."""
    allowed = set(editable)
    found = None
    for frame in frames or ():
        if frame.path in allowed:
            found = frame
    return found
