"""`debugbox eval` (harness/eval): the pure metrics and record keeping, then whole runs against real
servers: the oracle resolves every bundled task and noop none (both backends), a killed run resumes,
system errors (a lost server, sandboxes that die) are retried and reported apart, and the openai
solver reports tokens."""

from __future__ import annotations

import itertools
import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from environment.errors import SANDBOX_FAILURE_CODE
from harness.client import ToolOutcome
from harness.episode_runner import EpisodeRecord
from harness.eval import metrics
from harness.eval.cli import main as eval_main
from harness.eval.outcome import classify, episode_line
from harness.eval.recorder import Recorder, RunConflict, final_by_key
from harness.eval.solvers import BaseSolver, register
from harness.eval.solvers.oracle import ReferenceSolution
from harness.eval.summary import build_summary, format_summary
from harness.policy import Step, ToolCall
from tasks.loader import load_catalog
from tests.conftest import require_docker
from tests.fake_openai import FakeOpenAI, call, status
from tests.helpers import http_server

ROOT = Path(__file__).resolve().parents[1]
EVAL = [sys.executable, "-m", "harness.eval"]
MODEL_VARIABLES = ("HF_TOKEN", "API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL", "API_BASE_URL", "MODEL_NAME")


# -- metrics ---------------------------------------------------------------------------------


def brute_force_pass_at_k(n: int, c: int, k: int) -> float:
    """The definition: the share of k-subsets of the n tries that hold a success."""
    tries = [True] * c + [False] * (n - c)
    subsets = list(itertools.combinations(range(n), k))
    return sum(any(tries[i] for i in subset) for subset in subsets) / len(subsets)


def test_pass_at_k_matches_known_values_and_the_definition():
    assert metrics.pass_at_k(10, 3, 1) == pytest.approx(0.3)  # pass@1 is the plain success rate
    assert metrics.pass_at_k(5, 2, 2) == pytest.approx(1 - math.comb(3, 2) / math.comb(5, 2))  # 0.7
    assert metrics.pass_at_k(5, 2, 2) == pytest.approx(0.7)
    assert metrics.pass_at_k(10, 1, 5) == pytest.approx(0.5)
    assert metrics.pass_at_k(4, 0, 4) == 0.0 and metrics.pass_at_k(4, 1, 4) == 1.0
    assert metrics.pass_at_k(3, 2, 2) == 1.0  # n - c < k: every 2 of the 3 tries holds a success
    assert metrics.pass_at_k(200, 13, 100) == pytest.approx(1 - math.comb(187, 100) / math.comb(200, 100))
    for n in range(1, 8):
        for c in range(n + 1):
            for k in range(1, n + 1):
                assert metrics.pass_at_k(n, c, k) == pytest.approx(brute_force_pass_at_k(n, c, k))
    with pytest.raises(ValueError):
        metrics.pass_at_k(3, 1, 4)
    # Averaged over the tasks that have at least k tries.
    assert metrics.mean_pass_at_k([(2, 1), (2, 0), (1, 1)], 2) == (pytest.approx(0.5), 2)
    assert metrics.mean_pass_at_k([(1, 1)], 2) == (None, 0)
    assert metrics.ks_to_report(1) == [1]
    assert metrics.ks_to_report(5) == [1, 2, 3, 4, 5]
    assert metrics.ks_to_report(64) == [*range(1, 11), 20, 50, 64]


def test_wilson_intervals_and_percentiles():
    low, high = metrics.wilson(0.5, 10)
    assert (low, high) == (pytest.approx(0.2366, abs=1e-4), pytest.approx(0.7634, abs=1e-4))
    assert metrics.wilson(0.0, 14) == (0.0, pytest.approx(0.2153, abs=1e-4))  # honest at 0%: not [0, 0]
    assert metrics.wilson(1.0, 14) == (pytest.approx(0.7847, abs=1e-4), 1.0)
    rate = metrics.rate_over_tasks([1.0, 0.5, 0.0, 0.5])
    assert rate.value == 0.5 and rate.n == 4 and rate.low < 0.5 < rate.high
    assert metrics.rate_over_tasks([]).value is None
    score = metrics.mean_over_tasks([[1.0, 0.0], [0.5], [0.2, 0.4]])
    assert score.value == pytest.approx((0.5 + 0.5 + 0.3) / 3)
    assert score.low <= score.value <= score.high
    assert metrics.mean_over_tasks([[1.0, 0.0], [0.5], [0.2, 0.4]]) == score  # seeded: reproducible
    assert metrics.mean_over_tasks([[0.4]]).low is None  # one task: nothing to resample
    assert metrics.percentile([1, 2, 3, 4], 50) == 2.5
    assert metrics.percentile([5], 99) == 5.0 and metrics.percentile([], 50) is None
    assert metrics.distribution([1, 2, 3, 4, 100])["p50"] == 3.0


# -- what an episode becomes -----------------------------------------------------------------


def step(name: str, text: str = "ok", *, error: bool = False, **data) -> Step:
    return Step(ToolCall(name, {"episode_id": "ep_1", "x": 1}), ToolOutcome(text, data, is_error=error), latency_s=0.01)


def played(*steps: Step, stop: str = "episode over", done: bool = True, **fields) -> EpisodeRecord:
    record = EpisodeRecord("t", episode_id="ep_1", steps=list(steps), done=done, stop_reason=stop, **fields)
    return record


def test_stop_reasons_and_system_errors_are_classified():
    submitted = {"score": 1.0, "resolved": True, "end_reason": "submitted", "done": True}
    assert classify(played(step("submit", **submitted)), None) == ("submitted", None, None)
    spent = {"done": True, "submission": {"score": 0.2, "resolved": False, "end_reason": "budget_spent"}}
    assert classify(played(step("view_code", **spent)), None)[0] == "max_steps"
    assert classify(played(step("submit", **submitted), stop="max steps (3) reached"), None)[0] == "max_steps"
    assert classify(played(step("submit", **submitted), stop="policy stopped: kill switch: 3 replies"), None)[0] == "kill_switch"
    assert classify(played(step("submit", **submitted), stop="policy stopped: script finished"), None)[0] == "submitted"
    broken = step("run_tests", f"{SANDBOX_FAILURE_CODE} The episode's sandbox failed and the call could not complete", error=True)
    assert classify(played(broken, step("submit", **submitted)), None)[:2] == ("error", "sandbox")
    quoted = step("view_code", f"Error executing tool view_code: No file '{SANDBOX_FAILURE_CODE} sandbox failed'", error=True)
    assert classify(played(quoted, step("submit", **submitted)), None) == ("submitted", None, None)  # the code, not words
    assert classify(played(done=False, error="start_task failed: capacity"), None)[:2] == ("error", "start_failed")
    assert classify(played(done=False, error="The model endpoint kept failing"), None)[:2] == ("error", "model_api")
    assert classify(played(step("submit", "boom", error=True), done=False), None)[:2] == ("error", "not_scored")
    lost = ExceptionGroup("unhandled errors in a TaskGroup", [ConnectionRefusedError("refused")])
    assert classify(played(done=False), lost)[:2] == ("error", "server_lost")
    assert classify(played(done=False), TimeoutError())[:2] == ("error", "timeout")
    assert classify(played(done=False), ZeroDivisionError("bug"))[:2] == ("error", "exception")


def test_an_episode_line_holds_every_call_with_a_digest_of_its_result():
    counts = {"fixed": 2, "broken": 1, "fail_to_pass": 2, "pass_to_pass": 3, "hidden_passed": 4, "hidden_total": 5, "hidden_pass_rate": 0.8, "untouched": False}
    submit = step("submit", "Submitted", score=0.5, resolved=False, end_reason="submitted", done=True, **counts)
    record = played(step("view_code", "1|def f():\n2|    return 1"), submit, reward_mode="sparse")
    record.score, record.submission = 0.5, dict(submit.outcome.data)
    line = episode_line(
        task_id="t", difficulty="easy", tags=["a"], try_index=2, attempt=0, solver="s", model=None,
        record=record, exc=None, started_at="now", duration_s=1.23456, tokens={"total": 3},
    )  # fmt: skip
    assert line["key"] == "t#2" and line["outcome"] == "scored" and line["stop_reason"] == "submitted"
    assert line["n_steps"] == 2 and line["score"] == 0.5 and line["tokens"] == {"total": 3}
    assert line["reward_mode"] == "sparse" and line["schema"] == 2
    assert {name: line[name] for name in counts} == counts  # the raw hidden counts beside the score
    first = line["steps"][0]
    assert first["tool"] == "view_code" and first["args"] == {"x": 1}  # episode_id is on the line itself
    assert first["latency_ms"] == 10.0 and first["result"]["head"] == "1|def f(): 2| return 1"
    assert len(first["result"]["sha256"]) == 16 and first["result"]["chars"] == 25
    json.dumps(line)  # a JSON line, whatever the tool results held


# -- record keeping and the summary ----------------------------------------------------------


def fake_line(task: str, try_index: int, *, resolved: bool = False, score: float | None = None, attempt: int = 0, error: str | None = None, steps: int = 2, difficulty: str = "easy", tags=("x",)) -> dict:
    outcome = "system_error" if error else "scored"
    return {
        "key": f"{task}#{try_index}", "task_id": task, "try": try_index, "attempt": attempt, "difficulty": difficulty,
        "tags": list(tags), "outcome": outcome, "resolved": resolved if not error else None,
        "score": (1.0 if resolved else 0.25) if score is None else score, "stop_reason": "error" if error else "submitted",
        "error": {"kind": error, "message": "m"} if error else None, "n_steps": steps, "duration_s": 1.0, "tokens": None,
        "steps": [{"tool": "run_tests", "latency_ms": 100.0 + 10 * i, "skipped": False} for i in range(steps)],
    }  # fmt: skip


def test_the_summary_counts_tries_honestly_and_keeps_system_errors_apart():
    tasks = [
        {"task_id": "a", "difficulty": "easy", "tags": ["x"]},
        {"task_id": "b", "difficulty": "hard", "tags": ["x", "y"]},
        {"task_id": "c", "difficulty": "hard", "tags": ["y"]},
    ]
    lines = [
        fake_line("a", 0, resolved=True), fake_line("a", 1, resolved=False), fake_line("a", 2, resolved=True),
        fake_line("b", 0, error="server_lost"), fake_line("b", 0, resolved=True, attempt=1, difficulty="hard"),
        fake_line("b", 1, resolved=False, difficulty="hard"), fake_line("b", 2, resolved=False, difficulty="hard"),
        fake_line("c", 0, error="sandbox"), fake_line("c", 0, error="sandbox", attempt=1),
        fake_line("c", 1, resolved=False, difficulty="hard"),
        fake_line("zzz", 0, resolved=True),  # not planned in this run: ignored
    ]  # fmt: skip
    summary = build_summary({"solver": "s", "n_tries": 3, "out": "o"}, tasks, 3, lines)
    assert summary["episodes"] == {"planned": 9, "scored": 7, "system_errors": 1, "missing": 1, "attempts": 10}
    overall = summary["overall"]
    assert overall["tasks"] == 3 and overall["episodes"] == 7 and overall["resolved_episodes"] == 3
    assert overall["resolved_rate"]["value"] == pytest.approx((2 / 3 + 1 / 3 + 0) / 3)  # the mean of per-task rates
    # pass@k per task from (n, c): a (3, 2), b (3, 1), c (1, 0); k=2 and 3 use only a and b.
    assert overall["pass_at_k"]["1"] == {"value": pytest.approx((2 / 3 + 1 / 3 + 0) / 3), "tasks": 3}
    assert overall["pass_at_k"]["2"] == {"value": pytest.approx((1.0 + 2 / 3) / 2), "tasks": 2}
    assert overall["pass_at_k"]["3"] == {"value": 1.0, "tasks": 2}
    assert summary["by_difficulty"]["hard"]["tasks"] == 2 and summary["by_tag"]["y"]["episodes"] == 4
    assert summary["stop_reasons"]["submitted"] == {"count": 7, "fraction": 7 / 8}
    assert summary["stop_reasons"]["error:sandbox"] == {"count": 1, "fraction": 1 / 8}
    errors = summary["system_errors"]
    assert errors["final_by_kind"] == {"sandbox": 1}
    assert errors["attempts_by_kind"] == {"sandbox": 2, "server_lost": 1}
    assert errors["retried_then_scored"] == 1
    assert summary["steps"]["count"] == 7 and summary["step_latency_ms"]["by_tool"]["run_tests"]["count"] == 14
    row = {t["task_id"]: t for t in summary["tasks"]}["c"]
    assert (row["scored"], row["resolved"], row["system_errors"], row["missing"]) == (1, 0, 1, 1)
    text = format_summary(summary)
    assert "7 scored, 1 system errors" in text and "pass@k: k=1:" in text and "error:sandbox 12.5%" in text


def test_the_summary_puts_the_raw_hidden_pass_rate_beside_the_score():
    tasks = [{"task_id": "a", "difficulty": "easy", "tags": []}, {"task_id": "b", "difficulty": "easy", "tags": []}]
    lines = [
        {**fake_line("a", 0, score=0.0), "hidden_pass_rate": 0.6, "fail_to_pass": 2, "pass_to_pass": 3, "reward_mode": "shaped"},
        {**fake_line("a", 1, score=0.5), "hidden_pass_rate": 0.8, "fail_to_pass": 2, "pass_to_pass": 3, "reward_mode": "shaped"},
        {**fake_line("b", 0, resolved=True), "hidden_pass_rate": 1.0, "fail_to_pass": 4, "pass_to_pass": 0, "reward_mode": "shaped"},
        {**fake_line("b", 1, score=0.0), "hidden_pass_rate": 0.0, "fail_to_pass": 4, "pass_to_pass": 0, "reward_mode": "shaped"},
    ]
    summary = build_summary({"solver": "s", "n_tries": 2, "out": "o"}, tasks, 2, lines)
    overall = summary["overall"]
    assert overall["mean_score"]["value"] == pytest.approx((0.25 + 0.5) / 2)
    assert overall["mean_hidden_pass_rate"]["value"] == pytest.approx((0.7 + 0.5) / 2)  # a mean of per-task means
    assert overall["mean_hidden_pass_rate"]["method"] == overall["mean_score"]["method"] == "bootstrap over tasks"
    assert overall["mean_hidden_pass_rate"]["low"] <= overall["mean_hidden_pass_rate"]["value"] <= overall["mean_hidden_pass_rate"]["high"]
    rows = {row["task_id"]: row for row in summary["tasks"]}
    assert (rows["a"]["mean_hidden_pass_rate"], rows["a"]["fail_to_pass"], rows["a"]["pass_to_pass"]) == (pytest.approx(0.7), 2, 3)
    assert summary["reward_mode"] == "shaped"
    text = format_summary(summary)
    assert "reward mode: shaped" in text and "raw hidden pass rate 0.60 [" in text and "score 0.38 [" in text
    mixed = build_summary({"solver": "s", "n_tries": 2, "out": "o"}, tasks, 2, [*lines[:3], {**lines[3], "reward_mode": "sparse"}])
    assert mixed["reward_mode"] == "mixed (shaped, sparse)"


def test_the_recorder_cuts_a_torn_line_and_refuses_another_solver(tmp_path):
    recorder = Recorder(tmp_path / "run")
    recorder.claim({"solver": "oracle", "model": None})
    recorder.append(fake_line("a", 0, error="server_lost"))
    recorder.append(fake_line("a", 0, resolved=True, attempt=1))
    with open(recorder.episodes_path, "a") as f:
        f.write('{"key": "a#1", "outc')  # killed mid-write
    lines = recorder.load()
    assert [line["attempt"] for line in lines] == [0, 1]
    assert recorder.episodes_path.read_text().endswith("}\n")  # the torn tail is gone before any append
    assert final_by_key(lines)["a#0"]["outcome"] == "scored"
    recorder.append(fake_line("a", 1, error="sandbox"))
    assert [line["key"] for line in Recorder(tmp_path / "run").load()] == ["a#0", "a#0", "a#1"]
    assert recorder.claim({"solver": "oracle", "model": None})["runs"] == 2
    with pytest.raises(RunConflict, match="solver='oracle'"):
        recorder.claim({"solver": "noop", "model": None})


# -- whole runs ------------------------------------------------------------------------------


def run_cli(*args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([*EVAL, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT, env={**os.environ, **(env or {})})


def read_lines(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "episodes.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("solver", ["oracle", "noop"])
def test_oracle_resolves_every_bundled_task_and_noop_none(solver, backend, catalog, tmp_path):
    out = tmp_path / solver
    result = run_cli("--solver", solver, "--backend", backend, "--concurrency", "4", "--no-progress", "--out", str(out))
    resolved = solver == "oracle"
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    # Whatever the pack holds today (tasks may be added while the suite runs: the run's own list counts).
    planned = summary["run"]["tasks"]
    assert set(catalog.tasks) <= set(planned)
    tasks = len(planned)
    assert summary["episodes"] == {"planned": tasks, "scored": tasks, "system_errors": 0, "missing": 0, "attempts": tasks}
    assert summary["overall"]["resolved_rate"]["value"] == (1.0 if resolved else 0.0)
    assert summary["overall"]["pass_at_k"]["1"]["value"] == (1.0 if resolved else 0.0)
    assert summary["stop_reasons"] == {"submitted": {"count": tasks, "fraction": 1.0}}
    lines = read_lines(out)
    assert sorted(line["task_id"] for line in lines) == sorted(planned)
    current = load_catalog()
    for line in lines:
        assert line["solver"] == solver and line["sandbox"]["backend"] == backend
        assert line["resolved"] is resolved, line
        assert all(s["ok"] and s["latency_ms"] > 0 for s in line["steps"])
        if resolved:
            task = current.get(line["task_id"])
            assert [s["tool"] for s in line["steps"]] == ["replace_lines"] * len(task.solution_files) + ["run_tests", "submit"]
            assert line["score"] == 1.0 and line["steps"][-2]["result"]["head"].startswith("Tests Passed:")
        else:
            assert [s["tool"] for s in line["steps"]] == ["submit"]
        # The score counts only the solver's changes; the raw hidden counts are kept beside it.
        assert line["reward_mode"] == "shaped" and line["fail_to_pass"] >= 1 and line["pass_to_pass"] >= 0
        assert line["hidden_total"] == line["fail_to_pass"] + line["pass_to_pass"]
        assert line["hidden_pass_rate"] == pytest.approx(line["hidden_passed"] / line["hidden_total"])
        assert line["total_reward"] == pytest.approx(line["score"], abs=1e-6)  # shaped rewards sum to the score
        if resolved:
            assert (line["fixed"], line["broken"], line["untouched"]) == (line["fail_to_pass"], 0, False)
            assert line["hidden_pass_rate"] == 1.0
        else:  # untouched code scores 0, whatever share of the hidden tests it already passes
            assert (line["score"], line["fixed"], line["broken"], line["untouched"]) == (0.0, 0, 0, True)
            assert line["hidden_passed"] == line["pass_to_pass"]
    assert summary["reward_mode"] == "shaped" and summary["run"]["reward"] is None and summary["run"]["schema"] == 2
    overall = summary["overall"]
    assert overall["mean_score"]["value"] == (1.0 if resolved else 0.0)
    raw = [line["hidden_pass_rate"] for line in lines]
    assert overall["mean_hidden_pass_rate"]["value"] == pytest.approx(sum(raw) / len(raw))
    assert overall["mean_hidden_pass_rate"]["low"] is not None  # the same bootstrap interval as the score's
    if not resolved:
        assert overall["mean_hidden_pass_rate"]["value"] > 0  # some originals already pass some hidden tests
    rows = {row["task_id"]: row for row in summary["tasks"]}
    assert all(rows[line["task_id"]]["fail_to_pass"] == line["fail_to_pass"] for line in lines)
    report = (out / "report.html").read_text()
    assert report.count("<figure class=chart") == 3 and report.count("<svg") >= 3
    assert "Mean raw hidden pass rate" in report and 'id=scores-explained' in report and "untouched" in report
    assert f"debugbox eval: solver={solver}" in result.stdout and "pass@k: k=1:" in result.stdout
    assert "reward mode: shaped" in result.stdout and "raw hidden pass rate" in result.stdout


def test_a_task_whose_environment_cannot_be_built_is_reported_with_its_package(tmp_path):
    """A system error left after every retry is shown with what it said, in the printed summary and
    the report: here the package pip cannot find, so the user knows what to fix."""
    from tests.test_environments import UNKNOWN, _task_dir

    pack = tmp_path / "pack"
    _task_dir(pack, f'packages = ["{UNKNOWN}==1.0"]\n')
    out = tmp_path / "run"
    result = run_cli("--solver", "oracle", "--backend", "local", "--tasks-dir", str(pack), "--tasks", "env_task,binary_search_off_by_one",
                     "--retries", "0", "--no-progress", "--out", str(out))  # fmt: skip
    assert result.returncode == 1, result.stderr[-3000:]
    left = [line for line in result.stdout.splitlines() if line.startswith("  env_task#0 (")]
    assert len(left) == 1 and UNKNOWN in left[0], result.stdout
    assert "binary_search_off_by_one" not in "".join(line for line in result.stdout.splitlines() if line.startswith("  "))
    report = (out / "report.html").read_text()
    assert "Left after retries" in report and UNKNOWN in report


def test_sparse_rewards_are_asked_of_the_spawned_server_and_recorded(tmp_path):
    out = tmp_path / "sparse"
    tasks = "binary_search_off_by_one,median_even_length"
    result = run_cli("--solver", "oracle", "--backend", "local", "--reward", "sparse", "--tasks", tasks, "--no-progress", "--out", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    for line in read_lines(out):
        assert line["reward_mode"] == "sparse" and line["score"] == 1.0
        # Only the submit pays, the score: the run of the fixed code earns nothing on its own.
        assert [s["reward"] for s in line["steps"]] == [0.0] * (len(line["steps"]) - 1) + [1.0]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["reward_mode"] == "sparse" and summary["run"]["reward"] == "sparse"
    assert json.loads((out / "run.json").read_text())["reward"] == "sparse"
    assert "reward mode: sparse" in result.stdout and "rewards sparse" in (out / "report.html").read_text()
    assert "--reward sparse" in (out / "server.log").read_text()


def serve_processes(parent: int) -> list[int]:
    """Pids of `python -m cli serve` processes whose parent is `parent`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent and b"cli" in cmdline and b"serve" in cmdline:
            found.append(int(entry.name))
    return found


def process_gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")  # a zombie has exited; only its exit status is left to collect


def wait_until(predicate, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_a_killed_run_resumes_without_playing_a_finished_episode_again(tmp_path):
    out = tmp_path / "run"
    tasks = "binary_search_off_by_one,median_even_length,merge_intervals_overlap,valid_parentheses_wrong_mapping"
    args = ["--solver", "oracle", "--backend", "local", "--tasks", tasks, "--n-tries", "3", "--concurrency", "2", "--no-progress", "--out", str(out)]
    episodes = out / "episodes.jsonl"
    process = subprocess.Popen([*EVAL, *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: episodes.exists() and episodes.read_text().count("\n") >= 3, 300, "three recorded episodes")
        servers = serve_processes(process.pid)
        assert process.poll() is None, "the run finished before it could be killed"
        process.kill()  # SIGKILL: no cleanup of any kind in the evaluator
        process.wait()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert len(servers) == 1
    # The spawned server dies with its evaluator (it would otherwise hold its sandboxes forever).
    wait_until(lambda: process_gone(servers[0]), 60, "the orphaned server to exit")
    before = episodes.read_text()
    with open(episodes, "a") as f:
        f.write('{"schema":1,"key":"binary_se')  # the kill may tear the line being written
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "resuming" in result.stderr
    after = episodes.read_text()
    assert after.startswith(before)  # what was recorded stays, unchanged
    lines = [json.loads(line) for line in after.splitlines()]
    planned = 4 * 3
    keys = Counter(line["key"] for line in lines)
    assert len(keys) == planned and set(keys.values()) == {1}  # each episode played exactly once
    assert all(line["outcome"] == "scored" and line["resolved"] for line in lines)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["episodes"]["scored"] == planned and summary["overall"]["pass_at_k"]["3"]["value"] == 1.0
    assert json.loads((out / "run.json").read_text())["runs"] == 2
    # Once everything is scored, running again plays nothing and rewrites the same summary.
    again = run_cli(*args)
    assert again.returncode == 0 and episodes.read_text() == after


# -- injected failures -----------------------------------------------------------------------


def kill_server_on(url: str) -> None:
    """SIGKILL the spawned server listening at `url` (a child of this test process)."""
    port = url.rsplit(":", 1)[1].split("/")[0].encode()
    for pid in serve_processes(os.getpid()):
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if port in cmdline:
            os.kill(pid, signal.SIGKILL)
            return
    raise AssertionError(f"no spawned server on {url}")


class ServerKiller(ReferenceSolution):
    """The oracle, but first it kills the server: the rest of the episode meets a lost connection."""

    def __init__(self, task, url: str):
        super().__init__(task)
        self.url = url

    async def act(self, observation):
        if self._plan is None:
            kill_server_on(self.url)
        return await super().act(observation)


@register
class ChaosServerSolver(BaseSolver):
    """Kills the server in the first attempt of `flaky_*` tasks and in every attempt of `doomed_*` ones."""

    name = "test-chaos-server"
    flaky: set[str] = set()
    doomed: set[str] = set()

    def policy(self, context):
        task = context.task
        if task.id in self.doomed or (task.id in self.flaky and context.attempt == 0):
            return ServerKiller(task, context.server_url)
        return ReferenceSolution(task)


def test_a_lost_server_is_restarted_and_its_episodes_retried_or_reported_apart(tmp_path, capsys):
    flaky, doomed, steady = "binary_search_off_by_one", "median_even_length", "merge_intervals_overlap"
    ChaosServerSolver.flaky, ChaosServerSolver.doomed = {flaky}, {doomed}
    out = tmp_path / "chaos"
    status = eval_main(
        ["--solver", "test-chaos-server", "--backend", "local", "--tasks", f"{flaky},{doomed},{steady}",
         "--concurrency", "1", "--retries", "1", "--retry-delay", "0.05", "--no-progress", "--out", str(out)]
    )  # fmt: skip
    assert status == 1  # an episode still had a system error after every retry
    by_key: dict[str, list[dict]] = {}
    for line in read_lines(out):
        by_key.setdefault(line["key"], []).append(line)
    assert [(x["attempt"], x["outcome"]) for x in by_key[f"{flaky}#0"]] == [(0, "system_error"), (1, "scored")]
    assert by_key[f"{flaky}#0"][0]["error"]["kind"] == "server_lost" and by_key[f"{flaky}#0"][1]["resolved"]
    assert [(x["attempt"], x["outcome"]) for x in by_key[f"{doomed}#0"]] == [(0, "system_error"), (1, "system_error")]
    assert [x["resolved"] for x in by_key[f"{steady}#0"]] == [True]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["episodes"] == {"planned": 3, "scored": 2, "system_errors": 1, "missing": 0, "attempts": 5}
    assert summary["overall"]["resolved_rate"]["value"] == 1.0  # the lost episode is not a task failure
    assert summary["system_errors"]["final_by_kind"] == {"server_lost": 1}
    assert summary["system_errors"]["attempts_by_kind"] == {"server_lost": 3}
    assert summary["system_errors"]["retried_then_scored"] == 1
    assert summary["stop_reasons"]["error:server_lost"]["count"] == 1
    assert "system errors: attempts {'server_lost': 3}" in capsys.readouterr().out


class SandboxKiller(ReferenceSolution):
    """The oracle, but its first run_tests meets sandboxes that die: the episode's container is
    removed, and so is every replacement the server starts while that call is in flight, so the
    server's own single replacement cannot save the call (a real SandboxError, not a mock)."""

    def __init__(self, task):
        super().__init__(task)
        self._stop: threading.Event | None = None
        self._thread: threading.Thread | None = None

    async def act(self, observation):
        import docker

        from sandbox.docker.container import LABEL_EPISODE

        if self._stop is None:
            engine = docker.from_env()
            label = {"label": f"{LABEL_EPISODE}={observation.episode_id}"}
            for info in engine.api.containers(all=True, filters=label):
                engine.api.remove_container(info["Id"], force=True)
            self._stop = threading.Event()
            events = engine.events(filters={"type": "container", "event": "create", **label}, decode=True)

            def remove_replacements() -> None:
                for event in events:
                    try:
                        engine.api.remove_container(event["id"], force=True)
                    except docker.errors.APIError:
                        pass

            self._thread = threading.Thread(target=remove_replacements, daemon=True)
            self._thread.start()
            self._events = events
            return [ToolCall("run_tests", {}, "doomed-run")]
        if self._thread is not None:
            self._events.close()
            self._thread.join(10)
            self._thread = None
        return await super().act(observation)


@register
class ChaosSandboxSolver(BaseSolver):
    name = "test-chaos-sandbox"

    def policy(self, context):
        return SandboxKiller(context.task) if context.attempt == 0 else ReferenceSolution(context.task)


def test_a_sandbox_that_dies_is_a_system_error_and_the_episode_is_played_again(tmp_path, monkeypatch, capsys):
    require_docker()
    # No warm pool: every sandbox is created for its episode and carries the episode's label.
    monkeypatch.setenv("DEBUGBOX_POOL_SIZE", "0")
    task = "binary_search_off_by_one"
    out = tmp_path / "sandbox"
    status = eval_main(["--solver", "test-chaos-sandbox", "--backend", "docker", "--tasks", task, "--retry-delay", "0.05", "--no-progress", "--out", str(out)])
    assert status == 0
    first, second = read_lines(out)
    assert (first["attempt"], first["outcome"], first["error"]["kind"]) == (0, "system_error", "sandbox")
    assert first["steps"][0]["tool"] == "run_tests" and first["steps"][0]["result"]["head"].startswith(SANDBOX_FAILURE_CODE)
    assert (second["attempt"], second["outcome"], second["resolved"]) == (1, "scored", True)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["overall"]["resolved_rate"]["value"] == 1.0
    assert summary["system_errors"]["attempts_by_kind"] == {"sandbox": 1} and summary["system_errors"]["final_by_kind"] == {}


# -- the openai solver -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def local_server_url():
    with http_server("--backend", "local") as (_, url):
        yield url


@pytest.fixture
def model_env(monkeypatch):
    for name in MODEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def configure(base_url: str) -> None:
        monkeypatch.setenv("API_BASE_URL", base_url)
        monkeypatch.setenv("MODEL_NAME", "fake-model")
        monkeypatch.setenv("API_KEY", "test-key")

    return configure


def test_the_openai_solver_plays_through_a_running_server_and_reports_tokens(local_server_url, model_env, tmp_path, capsys):
    fix = {"start_line": 14, "end_line": 14, "new_code": "    while lo <= hi:"}
    script = [call("replace_lines", **fix), call("submit"), call("submit"), call("view_code"), call("view_code"), call("view_code")]
    with FakeOpenAI(script) as fake:
        model_env(fake.base_url)
        out = tmp_path / "model"
        status = eval_main(
            ["--solver", "openai", "--server-url", local_server_url, "--tasks", "binary_search_off_by_one",
             "--n-tries", "3", "--concurrency", "1", "--no-progress", "--out", str(out), "--model-retry-delay", "0.01"]
        )  # fmt: skip
    assert status == 0
    lines = read_lines(out)
    assert [(x["resolved"], x["stop_reason"], x["n_steps"]) for x in lines] == [(True, "submitted", 2), (False, "submitted", 1), (False, "kill_switch", 3)]
    assert all(x["model"] == "fake-model" for x in lines)
    assert [x["tokens"] for x in lines] == [{"prompt": 2, "completion": 2, "total": 4, "requests": 2}, {"prompt": 1, "completion": 1, "total": 2, "requests": 1}, {"prompt": 3, "completion": 3, "total": 6, "requests": 3}]
    assert lines[0]["steps"][0]["args"] == fix
    summary = json.loads((out / "summary.json").read_text())
    assert summary["tokens"]["total"] == 12 and summary["tokens"]["episodes_reporting"] == 3
    assert summary["overall"]["pass_at_k"]["1"]["value"] == pytest.approx(1 / 3)
    assert summary["overall"]["pass_at_k"]["3"]["value"] == 1.0
    assert summary["stop_reasons"]["kill_switch"]["count"] == 1
    assert "tokens: 12 (6 prompt, 6 completion) over 3 episodes" in capsys.readouterr().out
    assert json.loads((out / "run.json").read_text())["model"] == "fake-model"


def test_bad_credentials_stop_the_run_before_recording_anything(local_server_url, model_env, tmp_path, capsys):
    with FakeOpenAI([status(401)]) as fake:
        model_env(fake.base_url)
        out = tmp_path / "denied"
        result = eval_main(["--solver", "openai", "--server-url", local_server_url, "--tasks", "binary_search_off_by_one,median_even_length", "--concurrency", "1", "--no-progress", "--out", str(out)])
    assert result == 2
    assert "refused the credentials (HTTP 401)" in capsys.readouterr().err
    assert not (out / "episodes.jsonl").exists() or read_lines(out) == []
    assert len(fake.requests) == 1


def test_configuration_errors_exit_2_before_anything_runs(tmp_path, monkeypatch, capsys):
    for name in MODEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert eval_main(["--solver", "openai", "--out", str(tmp_path / "a")]) == 2
    assert "MODEL_NAME" in capsys.readouterr().err
    assert eval_main(["--solver", "noop", "--tasks", "no_such_task", "--out", str(tmp_path / "b")]) == 2
    assert "not a task id" in capsys.readouterr().err
    assert eval_main(["--solver", "noop", "--n-tries", "0", "--out", str(tmp_path / "c")]) == 2
    Recorder(tmp_path / "d").claim({"solver": "oracle", "model": None})
    assert eval_main(["--solver", "noop", "--out", str(tmp_path / "d")]) == 2
    assert "use another --out" in capsys.readouterr().err
    # A run recorded before the score counted only the solver's changes must not be resumed into.
    Recorder(tmp_path / "e").claim({"solver": "noop", "model": None})
    assert eval_main(["--solver", "noop", "--tasks", "binary_search_off_by_one", "--out", str(tmp_path / "e")]) == 2
    assert "schema=None, not 2" in capsys.readouterr().err
    assert eval_main(["--solver", "noop", "--reward", "sparse", "--server-url", "http://127.0.0.1:9/mcp", "--out", str(tmp_path / "f")]) == 2
    assert "a running server (--server-url) has its own --reward" in capsys.readouterr().err
