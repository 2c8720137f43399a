"""The rules of `debugbox tasks check`, as a pure function of what the episodes produced.

A task is valid when, in every one of the repeated runs:
  * the original code fails at least one hidden test (by the raw hidden counts), and its submit, as
    given, is reported untouched and scores 0;
  * the reference solution passes every visible and every hidden test, and its submit is resolved
    with score 1 (every fail-to-pass test fixed, no pass-to-pass test broken);
  * every run saw the same tests pass (originals alike, solutions alike), so the score is a
    function of the code and not of luck or load;
  * the solution's slowest test and slowest run stay under `time_margin` of the task's
    `test_timeout_s` and `run_timeout_s` (headroom for a slower machine), and no run of the
    original is cut off by `run_timeout_s` (that would make its score depend on speed);
  * no hidden test or solution content was reachable through a tool or resource.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.base import RunResult
from tasks.model import Task


@dataclass
class Played:
    """One episode's outcome: the tool results' counts and the raw runs behind them."""

    visible: RunResult | None
    hidden: RunResult | None
    visible_passed: int
    visible_total: int
    hidden_passed: int
    hidden_total: int
    # The submit's score in full (DESIGN.md, Scoring and rewards); None from a server without them.
    score: float | None = None
    resolved: bool | None = None
    untouched: bool | None = None
    fail_to_pass: int | None = None
    pass_to_pass: int | None = None
    fixed: int | None = None
    broken: int | None = None


@dataclass
class TaskVerdict:
    task_id: str
    origin: str
    original_hidden: list[tuple[int, int]] = field(default_factory=list)  # (passed, total) per run
    solution_visible: list[tuple[int, int]] = field(default_factory=list)
    solution_hidden: list[tuple[int, int]] = field(default_factory=list)
    original_scores: list[float | None] = field(default_factory=list)  # the submit's score per run
    solution_scores: list[float | None] = field(default_factory=list)
    fail_to_pass: int | None = None  # |F| and |P|: the hidden tests the original fails and passes
    pass_to_pass: int | None = None
    runs_agree: bool | None = None
    max_test_s: float | None = None  # the solution's slowest test over every run
    test_timeout_s: float = 0.0
    max_run_s: float | None = None  # the slowest run of the solution
    run_timeout_s: float = 0.0
    leaks: list[str] = field(default_factory=list)
    # Tests the solution's runs skipped (the source suite's own skips): an importer drops them.
    solution_skipped: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def valid(self) -> bool:
        return not self.reasons


def passed_set(result: RunResult | None) -> frozenset[str]:
    return frozenset(t.nodeid for t in (result.tests if result else []) if t.outcome == "passed")


def _not_passed(result: RunResult | None, limit: int = 5) -> str:
    if result is None:
        return "no run was recorded"
    bad = [f"{t.nodeid} ({t.outcome})" for t in result.tests if t.outcome != "passed"]
    bad += [f"{n} (not run)" for n in result.not_run]
    bad += [f"{e.nodeid} (collection error)" for e in result.collect_errors]
    more = f" and {len(bad) - limit} more" if len(bad) > limit else ""
    return ", ".join(bad[:limit]) + more if bad else "a test count below the tests the files define"


def _disagreement(results: list[RunResult | None]) -> str | None:
    """None when every run passed the same tests; else the tests whose outcome flipped."""
    sets = [passed_set(r) for r in results]
    if len(set(sets)) <= 1:
        return None
    flipped = sorted(frozenset.union(*sets) - frozenset.intersection(*sets))
    return ", ".join(flipped[:5]) + (f" and {len(flipped) - 5} more" if len(flipped) > 5 else "")


def _timing(task: Task, originals: list[Played], solutions: list[Played], margin: float, verdict: TaskVerdict) -> list[str]:
    spec = task.spec
    reasons = []
    runs = [r for p in solutions for r in (p.visible, p.hidden) if r is not None]
    tests = [t for r in runs for t in r.tests if t.duration is not None]
    if tests:
        slowest = max(tests, key=lambda t: t.duration or 0.0)
        verdict.max_test_s = round(slowest.duration or 0.0, 3)
        if verdict.max_test_s > margin * spec.test_timeout_s:
            reasons.append(
                f"too slow: the solution's test {slowest.nodeid} took {verdict.max_test_s:.2f} s, over "
                f"{margin:.0%} of test_timeout_s = {spec.test_timeout_s:g} s"
            )
    if runs:
        verdict.max_run_s = round(max(r.duration_s for r in runs), 3)
        if verdict.max_run_s > margin * spec.run_timeout_s:
            reasons.append(f"too slow: a solution run took {verdict.max_run_s:.2f} s, over {margin:.0%} of run_timeout_s = {spec.run_timeout_s:g} s")
    for played in originals:
        for which, result in (("visible", played.visible), ("hidden", played.hidden)):
            if result is not None and result.status == "timeout":
                reasons.append(
                    f"the original's {which} run hit run_timeout_s = {spec.run_timeout_s:g} s, so its score depends on speed: "
                    "raise run_timeout_s or lower test_timeout_s"
                )
                return reasons
    return reasons


def _score_reasons(originals: list[Played], solutions: list[Played]) -> list[str]:
    """The server's own verdict on each submit must agree with the raw runs: the original, as given,
    is untouched and scores 0; the solution is resolved with score 1."""
    reasons = []
    for run, played in enumerate(originals, 1):
        if played.untouched is False or (played.score is not None and played.score != 0.0):
            reasons.append(
                f"the original's submit scored {played.score} with untouched={played.untouched} (run {run}): "
                "code submitted as given must be untouched and score 0"
            )
            break
    for run, played in enumerate(solutions, 1):
        if played.score is None or played.hidden_passed < played.hidden_total:
            continue  # no score reported, or the raw counts already condemn it
        if played.resolved is not True or played.score != 1.0:
            reasons.append(
                f"the solution's submit scored {played.score:.2f}, resolved={played.resolved} ({played.fixed} of "
                f"{played.fail_to_pass} fail-to-pass tests fixed, {played.broken} of {played.pass_to_pass} pass-to-pass "
                f"broken; run {run}): it must be resolved with score 1.00"
            )
            break
    return reasons


def judge(task: Task, originals: list[Played], solutions: list[Played], leaks: list[str], margin: float, failure: str | None = None) -> TaskVerdict:
    spec = task.spec
    verdict = TaskVerdict(task_id=task.id, origin=task.origin, test_timeout_s=spec.test_timeout_s, run_timeout_s=spec.run_timeout_s)
    verdict.original_hidden = [(p.hidden_passed, p.hidden_total) for p in originals]
    verdict.solution_visible = [(p.visible_passed, p.visible_total) for p in solutions]
    verdict.solution_hidden = [(p.hidden_passed, p.hidden_total) for p in solutions]
    verdict.original_scores = [p.score for p in originals]
    verdict.solution_scores = [p.score for p in solutions]
    split = next(((p.fail_to_pass, p.pass_to_pass) for p in [*solutions, *originals] if p.fail_to_pass is not None), (None, None))
    verdict.fail_to_pass, verdict.pass_to_pass = split
    verdict.leaks = sorted(set(leaks))
    verdict.solution_skipped = sorted({t.nodeid for p in solutions for r in (p.visible, p.hidden) if r is not None for t in r.tests if t.outcome == "skipped"})
    reasons = verdict.reasons
    if failure:
        reasons.append(failure)
    for run, played in enumerate(originals, 1):
        if played.hidden_total and played.hidden_passed >= played.hidden_total:
            reasons.append(f"the original code passes every hidden test ({played.hidden_passed}/{played.hidden_total}, run {run}): there is nothing to fix")
            break
    reasons += _score_reasons(originals, solutions)
    for run, played in enumerate(solutions, 1):
        if played.visible_passed < played.visible_total:
            reasons.append(f"the solution fails visible tests (run {run}): {_not_passed(played.visible)}")
            break
    for run, played in enumerate(solutions, 1):
        if played.hidden_passed < played.hidden_total:
            reasons.append(f"the solution fails hidden tests (run {run}): {_not_passed(played.hidden)}")
            break
    disagreements = []
    for label, results in (
        ("original, hidden tests", [p.hidden for p in originals]),
        ("original, visible tests", [p.visible for p in originals]),
        ("solution, hidden tests", [p.hidden for p in solutions]),
        ("solution, visible tests", [p.visible for p in solutions]),
    ):
        flipped = _disagreement(results)
        if flipped:
            disagreements.append(f"runs disagree ({label}): {flipped} passed in some runs and not in others")
    if originals or solutions:
        verdict.runs_agree = not disagreements
    reasons += disagreements
    reasons += _timing(task, originals, solutions, margin, verdict)
    reasons += [f"leak: {finding}" for finding in verdict.leaks]
    return verdict
