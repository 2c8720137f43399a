"""`debugbox tasks check`: a valid task passes on both backends; each kind of invalid task is
flagged with its reason; leaks are caught; the CLI prints a table and exits 1 on an invalid pack."""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

import pytest

from cli.tasks import add_tasks_check_and_import, in_process_server
from environment.episode import Episode
from environment.errors import SANDBOX_FAILURE_CODE
from harness.checker.check import CheckOptions, check_paths, check_tasks, load_for_check

pytestmark = pytest.mark.anyio

PROGRAM = "def answer():\n    return 41\n"
FIXED = "def answer():\n    return 42\n"


def make_task(root: Path, task_id: str, *, visible: str, hidden: str, source: str = PROGRAM, solution: str = FIXED, **spec) -> Path:
    """A one-module task; `visible` and `hidden` are test bodies importing `answer`."""
    fields = {"test_timeout_s": 5, "run_timeout_s": 30, **spec}
    task = root / task_id
    files = {
        "task.toml": f'id = "{task_id}"\ntitle = "A test task"\ndifficulty = "easy"\nmain_file = "answer.py"\neditable = ["answer.py"]\n'
        + "".join(f"{k} = {v}\n" for k, v in fields.items()),
        "description.md": "Make answer() return 42.\n",
        "src/answer.py": source,
        "solution/answer.py": solution,
        "tests/test_answer.py": "from answer import answer\n\n" + textwrap.dedent(visible),
        f"hidden_tests/test_{task_id}_hidden.py": "from answer import answer\n\n" + textwrap.dedent(hidden),
    }
    for relative, text in files.items():
        (task / relative).parent.mkdir(parents=True, exist_ok=True)
        (task / relative).write_text(text)
    return task


VALID_VISIBLE = """
def test_answer_is_an_int():
    assert isinstance(answer(), int)
"""
VALID_HIDDEN = """
def test_answer_is_42():
    assert answer() == 42


def test_answer_is_positive():
    assert answer() > 0
"""

# Passes for the solution always; for the original only when a fresh random byte is odd. Sixteen
# such tests make three runs agree by chance with probability (1/4)**16: the flip is certain.
COINS = "\n".join(
    f"\ndef test_coin_{i}():\n    import os\n    assert answer() == 42 or os.urandom(1)[0] % 2 == 1\n" for i in range(16)
)


@pytest.fixture(scope="module")
def invalid_pack(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("invalid_pack")
    make_task(root, "already_passes", visible=VALID_VISIBLE, hidden="def test_int():\n    assert isinstance(answer(), int)\n")
    make_task(root, "solution_fails_hidden", visible=VALID_VISIBLE, hidden=VALID_HIDDEN + "\n\ndef test_43():\n    assert answer() == 43\n")
    make_task(root, "flaky", visible=VALID_VISIBLE, hidden=VALID_HIDDEN + COINS)
    make_task(
        root,
        "too_slow",
        visible=VALID_VISIBLE,
        hidden=VALID_HIDDEN + "\n\ndef test_slowly():\n    import time\n    time.sleep(0.7)\n    assert answer() == 42\n",
        test_timeout_s=1,
    )
    loop = "def answer():\n    while True:\n        pass\n"
    make_task(root, "run_limit_cuts_original", source=loop, visible=VALID_VISIBLE, hidden=VALID_HIDDEN, test_timeout_s=1, run_timeout_s=1.5)
    broken = make_task(root, "broken_toml", visible=VALID_VISIBLE, hidden=VALID_HIDDEN)
    (broken / "task.toml").write_text('id = "broken_toml"\ntitle = "x"\ndifficulty = "impossible"\nmain_file = "answer.py"\neditable = ["answer.py"]\n')
    return root


@pytest.fixture(scope="module")
def invalid_report(invalid_pack):
    import anyio

    return anyio.run(check_paths, [invalid_pack], CheckOptions(backend="local", runs=3, concurrency=4), in_process_server)


def reasons_of(report, task_id: str) -> str:
    verdict = next(v for v in report.verdicts if v.task_id == task_id)
    assert not verdict.valid, f"{task_id} should be invalid"
    return "\n".join(verdict.reasons)


async def test_a_valid_task_passes(backend, tmp_path):
    make_task(tmp_path, "valid_task", visible=VALID_VISIBLE, hidden=VALID_HIDDEN)
    report = await check_paths([tmp_path], CheckOptions(backend=backend, runs=3, concurrency=1), in_process_server)
    assert report.ok, report.verdicts[0].reasons
    verdict = report.verdicts[0]
    assert report.backend == backend
    assert verdict.original_hidden == [(1, 2)] * 3
    assert verdict.solution_visible == [(1, 1)] * 3 and verdict.solution_hidden == [(2, 2)] * 3
    # The submits' scores: the original as given is untouched and scores 0, the solution resolves with 1.
    assert verdict.original_scores == [0.0] * 3 and verdict.solution_scores == [1.0] * 3
    assert (verdict.fail_to_pass, verdict.pass_to_pass) == (1, 1)  # answer() > 0 already passes
    assert verdict.runs_agree and not verdict.leaks
    assert verdict.max_test_s is not None and verdict.max_test_s < 0.5 * verdict.test_timeout_s


def test_original_that_already_passes_is_invalid(invalid_report):
    assert "the original code passes every hidden test" in reasons_of(invalid_report, "already_passes")


def test_solution_failing_a_hidden_test_is_invalid(invalid_report):
    reasons = reasons_of(invalid_report, "solution_fails_hidden")
    assert "the solution fails hidden tests" in reasons and "test_43" in reasons


def test_flaky_hidden_tests_are_invalid(invalid_report):
    verdict = next(v for v in invalid_report.verdicts if v.task_id == "flaky")
    assert len(set(verdict.original_hidden)) > 1, "the coin tests should have flipped between runs"
    assert verdict.runs_agree is False
    assert "runs disagree (original, hidden tests)" in reasons_of(invalid_report, "flaky")
    # The solution passes the coins deterministically: disagreement is the only problem.
    assert all(p == t for p, t in verdict.solution_hidden)


def test_a_solution_too_slow_for_its_limit_is_invalid(invalid_report):
    reasons = reasons_of(invalid_report, "too_slow")
    assert "too slow" in reasons and "test_slowly" in reasons and "test_timeout_s = 1 s" in reasons


def test_an_original_cut_off_by_the_run_limit_is_invalid(invalid_report):
    assert "hit run_timeout_s = 1.5 s" in reasons_of(invalid_report, "run_limit_cuts_original")


async def test_a_server_scoring_the_raw_pass_rate_is_caught(tmp_path, monkeypatch):
    """Simulate the old scoring (the raw hidden pass rate, untouched code included): the original's
    submit then scores 0.50 and the check says the score is wrong, though the raw counts are fine."""
    from environment import scoring

    real = scoring.score

    def raw_pass_rate(baseline, result, expected_total, *, untouched=False, known=None):
        outcome = real(baseline, result, expected_total, untouched=untouched, known=known)
        return outcome.model_copy(update={"score": outcome.hidden_pass_rate})

    monkeypatch.setattr(scoring, "score", raw_pass_rate)
    make_task(tmp_path, "old_scoring", visible=VALID_VISIBLE, hidden=VALID_HIDDEN)
    report = await check_paths([tmp_path], CheckOptions(backend="local", runs=1), in_process_server)
    verdict = report.verdicts[0]
    assert verdict.original_hidden == [(1, 2)] and verdict.original_scores == [0.5]
    assert "the original's submit scored 0.5 with untouched=True (run 1): code submitted as given must be untouched and score 0" in verdict.reasons
    assert not report.ok


def test_the_solution_must_resolve_with_score_1(tmp_path):
    from harness.checker.verdict import Played, judge
    from tasks.loader import load_task

    task = load_task(make_task(tmp_path, "judged", visible=VALID_VISIBLE, hidden=VALID_HIDDEN))
    original = Played(None, None, 1, 1, 1, 2, score=0.0, resolved=False, untouched=True, fail_to_pass=1, pass_to_pass=1, fixed=0, broken=0)
    solution = Played(None, None, 1, 1, 2, 2, score=0.5, resolved=True, untouched=False, fail_to_pass=1, pass_to_pass=1, fixed=1, broken=0)
    verdict = judge(task, [original], [solution], [], 0.5)
    assert verdict.reasons == [
        "the solution's submit scored 0.50, resolved=True (1 of 1 fail-to-pass tests fixed, 0 of 1 pass-to-pass broken; run 1): "
        "it must be resolved with score 1.00"
    ]
    good = Played(None, None, 1, 1, 2, 2, score=1.0, resolved=True, untouched=False, fail_to_pass=1, pass_to_pass=1, fixed=1, broken=0)
    assert judge(task, [original], [good], [], 0.5).valid


def test_a_task_that_does_not_load_is_reported(invalid_report):
    assert not invalid_report.ok
    assert any("broken_toml" in str(e.path) and e.field == "difficulty" for e in invalid_report.load_errors)


def test_only_the_expected_problems(invalid_report):
    """Each malformed task fails for its own reason only (no leak or timing noise)."""
    for verdict in invalid_report.verdicts:
        assert not verdict.leaks, (verdict.task_id, verdict.leaks)
    assert "too slow" not in reasons_of(invalid_report, "flaky")


async def test_hidden_tests_readable_through_view_code_are_a_leak(tmp_path, monkeypatch):
    # Simulate a server bug: hidden tests among the files an agent may read.
    readable = Episode.readable_files
    monkeypatch.setattr(Episode, "readable_files", lambda self: {**readable(self), **self.task.hidden_test_files})
    make_task(tmp_path, "leaky_view", visible=VALID_VISIBLE, hidden=VALID_HIDDEN)
    tasks, _ = load_for_check([tmp_path])
    report = await check_tasks(tasks, CheckOptions(backend="local", runs=1), in_process_server)
    leaks = "\n".join(report.verdicts[0].leaks)
    assert "view_code accepted the secret path 'hidden_tests/test_leaky_view_hidden.py'" in leaks
    assert "hidden_tests/test_leaky_view_hidden.py content reachable through view_code" in leaks
    # The same bug reaches list_files and search_code, and the checker says so.
    assert "list_files lists the secret file 'hidden_tests/test_leaky_view_hidden.py'" in leaks
    assert "hidden_tests/test_leaky_view_hidden.py content reachable through search_code(" in leaks
    assert not report.ok


async def test_hidden_tests_in_the_workspace_before_submit_are_a_leak(tmp_path, monkeypatch):
    # Simulate a sandbox bug: hidden tests written into every run's workspace.
    workspace = Episode.workspace_files
    monkeypatch.setattr(Episode, "workspace_files", lambda self: {**workspace(self), **self.task.hidden_test_files})
    make_task(tmp_path, "leaky_workspace", visible=VALID_VISIBLE, hidden=VALID_HIDDEN)
    tasks, _ = load_for_check([tmp_path])
    report = await check_tasks(tasks, CheckOptions(backend="local", runs=1), in_process_server)
    leaks = "\n".join(report.verdicts[0].leaks)
    assert "run_python could open ./hidden_tests/test_leaky_workspace_hidden.py" in leaks
    assert "content reachable through run_python" in leaks


async def test_a_failed_sandbox_is_retried_not_blamed_on_the_task(monkeypatch):
    from mcp_types import CallToolResult, TextContent

    from harness.checker import play

    class OverloadedEngine:
        calls = 0

        async def call_tool(self, tool, args):
            self.calls += 1
            if self.calls < 3:
                text = f"{SANDBOX_FAILURE_CODE} The episode's sandbox failed and the call could not complete: no answer within 30 s."
                return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)
            return CallToolResult(content=[TextContent(type="text", text="ok")], structured_content={"ok": True})

    monkeypatch.setattr(play, "SANDBOX_RETRY_PAUSES_S", (0, 0, None))
    client = OverloadedEngine()
    assert (await play._ok(client, "run_tests", episode_id="ep")).structured_content == {"ok": True}
    assert client.calls == 3
    client.calls = -5  # fails every attempt: the check gives up and says why
    with pytest.raises(play.CheckFailed, match=r"run_tests failed: \[sandbox_failure\] The episode's sandbox failed"):
        await play._ok(client, "run_tests", episode_id="ep")


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="debugbox tasks")
    add_tasks_check_and_import(parser.add_subparsers(dest="tasks_command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_prints_a_table_and_exits_1_on_an_invalid_pack(tmp_path, capsys):
    make_task(tmp_path, "good", visible=VALID_VISIBLE, hidden=VALID_HIDDEN)
    make_task(tmp_path, "bad", visible=VALID_VISIBLE, hidden="def test_int():\n    assert isinstance(answer(), int)\n")
    assert run_cli(["check", str(tmp_path), "--backend", "local", "--runs", "1"]) == 1
    out = capsys.readouterr().out
    header = out.splitlines()[0].split()
    assert header[:4] == ["TASK", "ORIG", "HIDDEN", "F/P"] and header[-1] == "VERDICT" and "SCORE" in header
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:3]}
    assert rows["good"][-1] == "ok" and rows["bad"][-1] == "INVALID"
    assert rows["good"][1:6] == ["1/2", "1/1", "1/1", "2/2", "1.00"]  # orig hidden, F/P, sol visible, sol hidden, sol score
    assert "bad:\n  - the original code passes every hidden test" in out
    assert "1 valid, 1 invalid; backend local" in out
    assert run_cli(["check", str(tmp_path / "good"), "--backend", "local", "--runs", "1"]) == 0
