"""`debugbox tasks import`: HumanEvalPack rows and a QuixBugs checkout (small fixtures written in
those formats, tests/fixtures/) become packs that `tasks check` accepts."""

from __future__ import annotations

import argparse
import ast
import time
from functools import partial
from pathlib import Path

import pytest

from cli.tasks import add_tasks_check_and_import, in_process_server
from harness.checker.check import CheckOptions, check_paths, check_tasks
from sandbox.base import RunRequest
from tasks.importers import humanevalpack, import_pack, quixbugs
from tasks.importers.common import changed_lines, judge_difficulty, run_timeout_for, write_draft
from tasks.loader import load_pack, load_task
from tasks.model import count_tests
from tests.conftest import make_provider

pytestmark = pytest.mark.anyio

FIXTURES = Path(__file__).parent / "fixtures"
HUMANEVALPACK = FIXTURES / "humanevalpack_mini.jsonl"
QUIXBUGS = FIXTURES / "quixbugs_mini"


def checker(options: CheckOptions):
    """The check import_pack runs on what it wrote: `tasks check` on debugbox's in-process server."""
    return partial(check_tasks, options=options, connect=in_process_server)


def only(files: dict[str, str]) -> str:
    assert len(files) == 1, files
    return next(iter(files.values()))


def names_of_tests(text: str) -> list[str]:
    return [n.name for n in ast.parse(text).body if isinstance(n, ast.FunctionDef) and n.name.startswith("test")]


# -- HumanEvalPack, statically -----------------------------------------------------------------


@pytest.fixture(scope="module")
def humaneval_drafts():
    drafts, skipped = humanevalpack.drafts(HUMANEVALPACK)
    return {d.id: d for d in drafts}, {s.name: s.reason for s in skipped}


def test_humanevalpack_rows_that_cannot_make_a_task_are_skipped_with_a_reason(humaneval_drafts):
    drafts, skipped = humaneval_drafts
    assert sorted(drafts) == ["humanevalfix_python_0", "humanevalfix_python_1", "humanevalfix_python_2", "humanevalfix_python_3"]
    assert "there is no bug" in skipped["Python/4"]
    assert "not a Python row" in skipped["JavaScript/0"]


def test_a_flat_list_of_asserts_becomes_one_test_per_assert(humaneval_drafts):
    draft = humaneval_drafts[0]["humanevalfix_python_0"]
    hidden = only(draft.hidden_tests)
    visible = only(draft.visible_tests)
    # Six real asserts; the `assert True` placeholder would be free credit and is dropped.
    assert names_of_tests(hidden) == [f"test_check_0{i}" for i in range(1, 7)]
    assert count_tests(draft.hidden_tests) == 6
    # The first third is visible, and the hidden tests are the whole original check.
    assert names_of_tests(visible) == ["test_check_01", "test_check_02"]
    assert "assert candidate('hello') == 2" in visible and "assert candidate('Banana') == 3" not in visible
    for text in (visible, hidden):
        assert "candidate = count_vowels" in text and "METADATA = " in text
        assert "check(count_vowels)" not in text and "def check" not in text and "assert True" not in text
    assert draft.main_file == "count_vowels.py" and draft.source.startswith("\n\ndef count_vowels(text: str) -> int:")
    assert "text.lower()" in draft.solution and "text.lower()" not in draft.source
    assert draft.tags == ["humanevalfix", "missing-logic"]


def test_a_check_parameter_named_like_the_function_needs_no_alias(humaneval_drafts):
    hidden = only(humaneval_drafts[0]["humanevalfix_python_1"].hidden_tests)
    assert "rolling_sum = rolling_sum" not in hidden
    assert "    assert rolling_sum(\n        [3, -1, 4, -1, 5]\n    ) == [3, 2, 6, 5, 10]" in hidden  # written as in the row
    assert len(names_of_tests(hidden)) == 6


def test_statements_after_the_first_non_assert_stay_together(humaneval_drafts):
    hidden = only(humaneval_drafts[0]["humanevalfix_python_2"].hidden_tests)
    assert names_of_tests(hidden) == ["test_check_01", "test_check_02", "test_check_03"]
    last = hidden.split("def test_check_03():")[1]
    assert "rng = random.Random(7)" in last and "for _ in range(50):" in last


def test_bad_check_functions_are_refused():
    with pytest.raises(humanevalpack.SkipRow, match="exactly one parameter"):
        humanevalpack.split_check("def check(a, b):\n    assert a == b\n")
    with pytest.raises(humanevalpack.SkipRow, match="exactly one check"):
        humanevalpack.split_check("def test():\n    pass\n")
    with pytest.raises(humanevalpack.SkipRow, match="only placeholders"):
        humanevalpack.split_check("def check(c):\n    assert True\n\ncheck(f)\n")


def test_a_module_never_shadows_the_standard_library():
    assert humanevalpack._module_name("random") == "random_impl"
    assert humanevalpack._module_name("pytest") == "pytest_impl"
    assert humanevalpack._module_name("minSubArraySum") == "minsubarraysum"


# -- QuixBugs, statically ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def quixbugs_drafts():
    drafts, skipped = quixbugs.drafts(QUIXBUGS)
    return {d.id: d for d in drafts}, {s.name: s.reason for s in skipped}


def test_quixbugs_programs_without_a_fix_are_skipped(quixbugs_drafts):
    drafts, skipped = quixbugs_drafts
    assert sorted(drafts) == [f"quixbugs_{n}" for n in ("adjacent_pairs", "already_fixed", "digit_sum", "reachable_count", "running_max")]
    assert skipped == {"no_fix": "no correct_python_programs version"}


def test_quixbugs_tests_become_self_contained(quixbugs_drafts):
    for draft in quixbugs_drafts[0].values():
        for text in (*draft.visible_tests.values(), *draft.hidden_tests.values()):
            ast.parse(text)
            for gone in ("load_testdata", "load_json_testcases", "python_programs", "use_correct", "run_slow"):
                assert gone not in text, (draft.id, gone)
        name = draft.id.removeprefix("quixbugs_")
        assert f"from {name} import {name}" in only(draft.hidden_tests)


def test_json_cases_are_inlined_and_split(quixbugs_drafts):
    draft = quixbugs_drafts[0]["quixbugs_running_max"]
    visible, hidden = only(draft.visible_tests), only(draft.hidden_tests)
    assert "[[[3, 1, 4, 1, 5]], [3, 3, 4, 4, 5]]," in visible and "[[[-3]], [-3]]," not in visible
    assert hidden.count("\n    [[") == 6 and visible.count("\n    [[") == 2
    # Post-processing of the cases (tuples from JSON lists) survives the conversion.
    pairs = only(quixbugs_drafts[0]["quixbugs_adjacent_pairs"].hidden_tests)
    assert "testdata = [[inp, [tuple(pair) for pair in out]] for inp, out in testdata]" in pairs


def test_graph_programs_get_node_py_and_split_test_functions(quixbugs_drafts):
    draft = quixbugs_drafts[0]["quixbugs_reachable_count"]
    assert set(draft.readonly_sources) == {"node.py"} and "class Node" in draft.readonly_sources["node.py"]
    assert "graph" in draft.tags
    assert names_of_tests(only(draft.visible_tests)) == ["test1"]
    assert names_of_tests(only(draft.hidden_tests)) == ["test1", "test2", "test3", "test4"]


def test_the_solution_keeps_the_documentation_the_agent_read(quixbugs_drafts):
    draft = quixbugs_drafts[0]["quixbugs_digit_sum"]
    assert "n //= 10" in draft.solution and "Output:\n    The sum of the decimal digits of n" in draft.solution
    assert draft.test_timeout_s == 3.0 and draft.run_timeout_s == run_timeout_for(3, 3.0)
    assert "The sum of the decimal digits of n" in draft.description


def test_difficulty_heuristic():
    one_line = "def f(x):\n    return x + 1\n"
    assert changed_lines(one_line, one_line.replace("+ 1", "+ 2")) == 1
    assert changed_lines('def f(x):\n    """Doc."""\n    # note\n    return x\n', "def f(x):\n    return x\n") == 0
    assert judge_difficulty(one_line, one_line.replace("+ 1", "+ 2")) == "easy"
    assert judge_difficulty(one_line, one_line.replace("+ 1", "+ 2"), structural=True) == "easy"
    long = "def f(x):\n" + "".join(f"    x += {i}\n" for i in range(40)) + "    return x\n"
    assert judge_difficulty(long, long.replace("x += 3\n", "x -= 3\n")) == "medium"
    assert judge_difficulty(long, long.replace("x += 3\n", "x -= 3\n"), structural=True) == "hard"


# -- end to end: import, check, and a pack that `tasks check` accepts --------------------------


async def test_humanevalpack_import_produces_a_pack_tasks_check_accepts(tmp_path):
    result = await import_pack("humanevalpack", HUMANEVALPACK, tmp_path, check=checker(CheckOptions(backend="local", concurrency=4)))
    assert result.checked
    assert sorted(result.imported) == ["humanevalfix_python_0", "humanevalfix_python_1", "humanevalfix_python_2"]
    assert [r.name for r in result.rejected] == ["humanevalfix_python_3"]
    assert "the original code passes every hidden test" in result.rejected[0].reason
    assert "passes every hidden test" in (tmp_path / ".rejected" / "humanevalfix_python_3" / "REJECTED.txt").read_text()
    tasks, errors = load_pack(tmp_path)
    assert sorted(t.id for t in tasks) == sorted(result.imported) and not errors
    report = await check_paths([tmp_path], CheckOptions(backend="local", runs=1, concurrency=4), in_process_server)
    assert report.ok, [(v.task_id, v.reasons) for v in report.verdicts]


async def test_quixbugs_import_produces_a_pack_tasks_check_accepts(backend, tmp_path):
    started = time.monotonic()
    result = await import_pack("quixbugs", QUIXBUGS, tmp_path, check=checker(CheckOptions(backend=backend, concurrency=4)))
    # digit_sum's buggy loop times out in 2 hidden tests and 1 visible one per run, 3 runs:
    # about 27 s of timeouts, run alongside the other tasks. Never an unbounded hang.
    assert time.monotonic() - started < 150
    assert sorted(result.imported) == [f"quixbugs_{n}" for n in ("adjacent_pairs", "digit_sum", "reachable_count", "running_max")]
    assert [r.name for r in result.rejected] == ["quixbugs_already_fixed"]
    assert [s.name for s in result.skipped] == ["no_fix"]
    report = await check_paths([tmp_path], CheckOptions(backend=backend, runs=1, concurrency=4), in_process_server)
    assert report.ok, [(v.task_id, v.reasons) for v in report.verdicts]
    assert {v.task_id: v.original_hidden for v in report.verdicts}["quixbugs_digit_sum"] == [(1, 3)]


async def test_a_buggy_program_that_loops_forever_ends_by_timeout(backend, tmp_path):
    drafts, _ = quixbugs.drafts(QUIXBUGS)
    task = load_task(write_draft(next(d for d in drafts if d.id == "quixbugs_digit_sum"), tmp_path))
    provider = make_provider(backend)
    await provider.start()
    try:
        sandbox = await provider.acquire("loop-test")
        try:
            request = RunRequest(
                kind="pytest",
                files={**task.source_files, **task.hidden_test_files},
                targets=sorted(task.hidden_test_files),
                timeout_s=task.spec.run_timeout_s,
                test_timeout_s=task.spec.test_timeout_s,
            )
            started = time.monotonic()
            result = await sandbox.run(request)
            elapsed = time.monotonic() - started
        finally:
            await sandbox.close()
    finally:
        await provider.aclose()
    # Cases in file order: digit_sum(123) and digit_sum(5) loop forever, digit_sum(0) returns at once.
    assert [t.outcome for t in result.tests] == ["timeout", "passed", "timeout"]
    assert all("time limit" in (t.message or "") for t in result.tests if t.outcome == "timeout")
    assert result.status == "ok"  # the run itself ended inside run_timeout_s
    assert elapsed < 2 * (task.spec.test_timeout_s + 3) + 10


def test_cli_import_without_check_writes_the_pack_and_reports_skips(tmp_path, capsys):
    parser = argparse.ArgumentParser(prog="debugbox tasks")
    add_tasks_check_and_import(parser.add_subparsers(dest="tasks_command", required=True))
    args = parser.parse_args(["import", "humanevalpack", str(HUMANEVALPACK), "--out", str(tmp_path / "pack"), "--no-check", "--limit", "2"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "imported 2 task(s)" in out and "Python/4: buggy_solution is the canonical_solution" in out
    assert sorted(p.name for p in (tmp_path / "pack").iterdir()) == ["humanevalfix_python_0", "humanevalfix_python_1"]
    # A second import into the same directory refuses to overwrite without --force.
    args = parser.parse_args(["import", "humanevalpack", str(HUMANEVALPACK), "--out", str(tmp_path / "pack"), "--no-check", "--limit", "1"])
    assert args.func(args) == 1
    assert "exists; pass --force" in capsys.readouterr().out
