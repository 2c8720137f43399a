"""The score and the rewards as pure functions (environment/scoring.py, DESIGN.md "Scoring and
rewards"); the episode's bookkeeping of them (environment/episode.py). No I/O."""

from __future__ import annotations

import pytest

from environment.episode import Episode
from environment.results import EpisodeStatus, Submission
from environment.scoring import Baseline, count, known_tests, score, submit_reward, visible_run_reward
from sandbox import base
from sandbox.base import RunResult
from tests.test_episode import make_task

ORIGINAL = Baseline(visible_passed=1, visible_total=4, hidden_passing=["h::p1", "h::p2"], hidden_total=5)  # F = {f1, f2, f3}


def run(passed: list[str], failed: list[str] = (), tampered: bool = False, collected: list[str] | None = None) -> RunResult:
    tests = [base.TestResult(nodeid=n, outcome="passed") for n in passed] + [base.TestResult(nodeid=n, outcome="failed") for n in failed]
    return RunResult(kind="pytest", status="ok", tests=tests, collected=collected if collected is not None else [t.nodeid for t in tests], tampered=tampered)


@pytest.mark.parametrize(
    ("passed", "failed", "expected"),
    [
        (["h::p1", "h::p2"], ["h::f1", "h::f2", "h::f3"], 0.0),  # the original's own results
        (["h::p1", "h::p2", "h::f1"], ["h::f2", "h::f3"], 1 / 3),
        (["h::p1", "h::p2", "h::f1", "h::f2", "h::f3"], [], 1.0),
        (["h::f1", "h::f2", "h::f3"], ["h::p1", "h::p2"], 1 / 3),  # fixed 3, broke 2
        (["h::f1"], ["h::p1", "h::p2", "h::f2", "h::f3"], 0.0),  # more broken than fixed: never below 0
        ([], ["h::p1", "h::p2", "h::f1", "h::f2", "h::f3"], 0.0),
    ],
)
def test_the_score_counts_fixed_minus_broken_over_what_the_original_fails(passed, failed, expected):
    got = score(ORIGINAL, run(passed, failed), 5)
    assert got.score == pytest.approx(expected)
    assert got.fail_to_pass == 3 and got.pass_to_pass == 2 and got.hidden_total == 5
    assert got.hidden_passed == len(passed) and got.hidden_pass_rate == pytest.approx(len(passed) / 5)
    assert got.resolved is (len(passed) == 5)


def test_untouched_code_scores_0_even_when_a_flaky_test_passes():
    got = score(ORIGINAL, run(["h::p1", "h::p2", "h::f1"], ["h::f2", "h::f3"]), 5, untouched=True)
    assert got.score == 0 and got.untouched and got.fixed == 1  # the counts are still what the run saw


def test_a_tampered_run_scores_0_and_breaks_every_pass_to_pass_test():
    got = score(ORIGINAL, run(["h::p1", "h::p2", "h::f1", "h::f2", "h::f3"], tampered=True), 5)
    assert got.score == 0 and got.hidden_passed == 0 and got.broken == 2 and not got.resolved


def test_tests_that_did_not_even_collect_count_as_failing():
    # The module did not import: nothing collected. The static count keeps the denominator.
    got = score(ORIGINAL, RunResult(kind="pytest", status="ok", collected=[], tests=[]), 5)
    assert got.score == 0 and got.broken == 2 and got.hidden_total == 5


def test_a_task_whose_original_passes_every_hidden_test_scores_0():
    everything = Baseline(visible_passed=1, visible_total=1, hidden_passing=["h::a"], hidden_total=1)
    assert score(everything, run(["h::a"]), 1).score == 0


def test_shaped_rewards_telescope_and_sparse_pay_only_the_score():
    phis = [0.0, 0.25, 0.5, 0.25, 0.75]
    paid = [visible_run_reward("shaped", a, b) for a, b in zip(phis, phis[1:])]
    assert paid == pytest.approx([0.25, 0.25, -0.25, 0.5])
    assert sum(paid) + submit_reward("shaped", phis[-1], 0.6) == pytest.approx(0.6)
    assert visible_run_reward("sparse", 0.0, 0.75) == 0 and submit_reward("sparse", 0.75, 0.6) == 0.6


def test_the_episode_starts_its_potential_at_the_original():
    ep = Episode.create("e", make_task())
    assert ep.record_visible_run(0.25, ORIGINAL) == 0  # the original's own visible rate: nothing earned
    assert ep.record_visible_run(1.0, ORIGINAL) == pytest.approx(0.75)
    assert ep.record_visible_run(0.0, ORIGINAL) == pytest.approx(-1.0)  # a regression is paid back
    assert ep.potential == pytest.approx(-0.25)
    outcome = score(ORIGINAL, run(["h::p1", "h::p2"]), 5)
    assert ep.finish(outcome, "submitted") == pytest.approx(0.25)  # settles the potential to 0
    assert ep.potential == 0


def test_a_budget_submit_is_its_own_history_entry_and_joins_the_call_reward():
    ep = Episode.create("e", make_task(), max_steps=1)
    ep.charge("run_tests", "1/1 passed", 0.5)
    ep.finish(score(ORIGINAL, run(["h::p1", "h::p2", "h::f1", "h::f2", "h::f3"]), 5), "budget_spent")
    ep.record_budget_submit(0.5)
    assert [(h.step, h.tool, h.reward) for h in ep.history] == [(1, "run_tests", 0.5), (1, "submit", 0.5)]
    assert ep.rewards == [1.0] and ep.last_reward == 1.0
    assert "budget spent" in ep.history[-1].summary


def test_the_last_two_steps_carry_a_warning_and_the_spent_budget_says_so():
    def status(left: int, **extra) -> str:
        return EpisodeStatus(episode_id="e", step=10 - left, steps_remaining=left, reward=0.0, done=left == 0, **extra).footer()

    assert "WARNING" not in status(3)
    assert "WARNING: 2 steps left" in status(2)
    assert "WARNING: 1 step left: the next call that costs a step ends the episode" in status(1)
    outcome = score(ORIGINAL, run(["h::p1", "h::p2", "h::f1"]), 5)
    spent = status(0, submission=Submission(**outcome.model_dump(exclude={"hidden_pass_rate"}), end_reason="budget_spent", reward=0.33))
    assert spent.startswith("STEP BUDGET SPENT: this call used the last step, so the episode was submitted automatically")
    assert "Score 0.33: 1 of the 3 hidden tests the original fails now pass, 0 of the 2 it passed now fail; 3/5" in spent


def test_count_keeps_the_static_total_as_a_floor():
    assert count(RunResult(kind="pytest", status="ok", collected=None, tests=[]), 4).total == 4


# -- which tests count: conjured cases of parametrized tests (issue: red team, scoring) ----------

PARAM_ORIGINAL = Baseline(
    visible_passed=0, visible_total=0, hidden_passing=["h::p"], hidden_total=2, hidden_collected=["h::p", "h::f[1]", "h::f[2]"]
)


def test_new_cases_of_a_test_the_original_collected_are_conjured_and_count_for_nothing():
    # Code that parametrizes every test again: 50 copies of the passing h::p and of h::f. Counting
    # them as known (their base is) scored (50 - 1) / (100 + 50 - 1) for no fix at all.
    known = known_tests({"h::p": 1, "h::f": 2}, PARAM_ORIGINAL.hidden_collected)
    copies = run([f"h::p[{i}]" for i in range(50)], [f"h::f[{i}]" for i in range(3, 53)])
    got = score(PARAM_ORIGINAL, copies, 3, known=known)
    assert got.score == 0 and got.fixed == 0 and got.broken == 1 and got.hidden_total == 3
    honest = score(PARAM_ORIGINAL, run(["h::p", "h::f[1]", "h::f[2]"]), 3, known=known)
    assert honest.score == 1 and honest.resolved


def test_cases_of_a_test_the_original_never_collected_count_up_to_what_the_files_define_failing_first():
    never = Baseline(visible_passed=0, visible_total=0, hidden_passing=[], hidden_total=3, hidden_collected=[])
    known = known_tests({"h::easy": 1, "h::cases": 2}, never.hidden_collected)
    real = ["h::cases[a]", "h::cases[b]"]
    honest = score(never, run(["h::easy", *real]), 3, known=known)
    assert honest.score == 1 and honest.resolved
    # 40 passing copies of h::cases beside its two real cases, which fail: the failures still count.
    conjured = run(["h::easy", *(f"h::cases[{i}]" for i in range(40))], real)
    got = score(never, conjured, 3, known=known)
    assert (got.fixed, got.hidden_total) == (1, 3) and got.score == pytest.approx(1 / 3)
    # Without a measurement (a selected run before the baseline is known), nothing is capped.
    assert count(conjured, 3, known_tests({"h::easy": 1, "h::cases": 2}, None)).passed == 41
