"""Importers learn from the check's measured runs (issue 18, item 4): a slow but correct reference
gets time limits calibrated from its measured run instead of a rejection, and a case the source
suite itself skips is dropped instead of scored as a failure. Through the real CLI, on HumanEvalPack
rows written here, checked on the local backend."""

from __future__ import annotations

import json
import tomllib

from cli.main import main
from tasks.importers.calibrate import calibrated, drop_tests
from tasks.loader import load_task

PROMPT = '\n\ndef {name}(x: int) -> int:\n    """ Add one to x.\n    >>> {name}(1)\n    2\n    """\n'
CASES = "    assert candidate(1) == 2\n    assert candidate(5) == 6\n    assert candidate(-3) == -2\n"


def row(number: int, name: str, canonical: str, check_body: str) -> dict:
    return {
        "task_id": f"Python/{number}", "prompt": PROMPT.format(name=name), "declaration": f"\n\ndef {name}(x: int) -> int:\n",
        "canonical_solution": canonical, "buggy_solution": "    return x - 1\n", "bug_type": "operator misuse", "entry_point": name,
        "test": f"\n\nimport pytest\n\n\ndef check(candidate):\n{check_body}\ncheck({name})", "instruction": f"Fix {name}.",
    }


def test_a_slow_reference_is_calibrated_and_a_skipped_case_dropped(tmp_path, capsys):
    rows = [
        # 1.6 s a call: over half the 3 s default per test, so the check first calls it too slow.
        row(0, "slow_add_one", "    import time\n    time.sleep(1.6)\n    return x + 1\n", "    assert candidate(4) == 5\n    assert candidate(0) == 1\n"),
        # The last test is the suite's own skip: a pass it can never reach.
        row(1, "add_one", "    return x + 1\n", CASES + "    pytest.skip('needs the network')\n"),
        row(2, "broken_add_one", "    return x + 2\n", CASES),  # the reference itself is wrong: stays rejected
    ]
    source = tmp_path / "rows.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "pack"
    code = main(["tasks", "import", "humanevalpack", str(source), "--out", str(out), "--backend", "local", "--runs", "1"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "imported 2 task(s)" in printed and "kept 2 of 3 item(s); dropped 1 rejected by the check and 0 that make no task" in printed
    assert "humanevalfix_python_0: time limits calibrated from the reference run" in printed
    assert "humanevalfix_python_1: dropped 1 test(s) the source suite skips" in printed
    slow = tomllib.loads((out / "humanevalfix_python_0" / "task.toml").read_text())
    assert slow["test_timeout_s"] >= 6.4 and slow["run_timeout_s"] >= slow["test_timeout_s"]
    skipping = load_task(out / "humanevalfix_python_1")
    assert "needs the network" not in "".join(skipping.hidden_test_files.values()) and skipping.hidden_test_count == 3
    assert (out / ".rejected" / "humanevalfix_python_2" / "REJECTED.txt").is_file()


def test_calibration_and_dropping_are_pure():
    assert calibrated({"test_timeout_s": 3, "run_timeout_s": 30}, 1.6, 5.0, 0.5) == {"test_timeout_s": 7.0, "run_timeout_s": 30.0}
    assert calibrated({"test_timeout_s": 3, "run_timeout_s": 10}, 4.0, 9.0, 0.5) == {"test_timeout_s": 16.0, "run_timeout_s": 36.0}
    text, kept = drop_tests("def test_a():\n    pass\n\n\nclass TestB:\n    def test_c(self):\n        pass\n", {"test_a", "TestB::test_c", "test_x[1]"})
    assert "test_a" not in text and "def test_c" not in text and kept == {"test_x[1]"}
