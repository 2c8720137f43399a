"""The pure engine: Episode (environment/episode.py), views and scoring. No I/O, no sandbox."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest

from environment import diffs, views
from environment.episode import MAX_CODE_CHARS, MAX_FILE_CHARS, Episode
from environment.errors import BadArgument, DebugboxError, EpisodeFinished, NoChange, NotEditable, NothingToUndo
from environment.scoring import Score, count, deepest_frame
from sandbox import base  # by module: pytest would try to collect classes named Test*
from sandbox.base import CollectError, Frame, RunResult
from tasks.model import Task, TaskSpec

CALC = "def add(a, b):\n    return a - b\n\n\ndef sub(a, b):\n    return a - b\n"
CALC_LINES = CALC.splitlines()
UTIL = "def double(x):\n    return x * 3\n"
HELPERS = "CONSTANT = 42\n"
VISIBLE = "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"
HIDDEN = "from calc import add\n\n\ndef test_add_hidden():\n    assert add(2, 2) == 4\n"
SOLUTION = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"


def make_task(max_steps: int = 10) -> Task:
    spec = TaskSpec(
        id="calc_add",
        title="add subtracts",
        difficulty="easy",
        main_file="calc.py",
        editable=("calc.py", "pkg/util.py", "pkg/__init__.py"),
        max_steps=max_steps,
    )
    return Task(
        spec=spec,
        description="add should add",
        source_files={"calc.py": CALC, "pkg/util.py": UTIL, "pkg/__init__.py": "", "helpers.py": HELPERS},
        test_files={"tests/test_calc.py": VISIBLE},
        hidden_test_files={"hidden_tests/test_calc_hidden.py": HIDDEN},
        solution_files={"calc.py": SOLUTION},
    )


@pytest.fixture
def ep() -> Episode:
    return Episode.create("ep-1", make_task())


def state(episode: Episode) -> dict:
    """Everything a failed call must leave untouched."""
    return {
        "files": dict(episode.files),
        "step": episode.step,
        "rewards": list(episode.rewards),
        "history": [h.model_dump() for h in episode.history],
        "undo": list(episode.undo_stack),
        "potential": episode.potential,
        "done": episode.done,
    }


def shown(ep: Episode, edit) -> SimpleNamespace:
    """What replace_lines shows for an edit: the service computes it off the event loop."""
    diff, start, end, window = views.describe_edit(edit.change, edit.first_new_line, edit.last_new_line)
    return SimpleNamespace(diff=diff, window_start=start, window_end=end, window=window, syntax_error=views.syntax_issue(edit.path, ep.files[edit.path]))


# -- creation --------------------------------------------------------------------------------


def test_create_uses_task_budget_and_original_files(ep):
    assert ep.max_steps == 10
    assert ep.step == 0 and ep.steps_remaining == 10
    assert ep.files == {"calc.py": CALC, "pkg/util.py": UTIL, "pkg/__init__.py": ""}
    assert not ep.done and ep.undo_stack == []


def test_create_with_explicit_budget():
    assert Episode.create("e", make_task(), max_steps=3).max_steps == 3


@pytest.mark.parametrize("budget", [0, -1, 1001])
def test_create_rejects_bad_budget(budget):
    with pytest.raises(BadArgument, match="max_steps"):
        Episode.create("e", make_task(), max_steps=budget)


def test_files_of_each_purpose_do_not_leak(ep):
    assert "hidden_tests/test_calc_hidden.py" not in ep.readable_files()
    assert "hidden_tests/test_calc_hidden.py" not in ep.workspace_files()
    assert set(ep.workspace_files()) == {"calc.py", "pkg/util.py", "pkg/__init__.py", "helpers.py", "tests/test_calc.py"}
    scoring = ep.scoring_files()
    assert "tests/test_calc.py" not in scoring
    assert scoring["hidden_tests/test_calc_hidden.py"] == HIDDEN
    assert SOLUTION not in ep.readable_files().values()


# -- views -----------------------------------------------------------------------------------


def test_view_whole_main_file_is_numbered(ep):
    out = ep.view(None, None, None)
    assert out.path == "calc.py"
    assert (out.start_line, out.end_line, out.lines_total) == (1, 6, 6)
    assert out.code == "\n".join(f"{n}|{line}" for n, line in enumerate(CALC_LINES, 1))
    assert out.code.splitlines()[1] == "2|    return a - b"
    assert out.code.splitlines()[2] == "3|"


def test_view_range(ep):
    out = ep.view("calc.py", 2, 3)
    assert (out.start_line, out.end_line) == (2, 3)
    assert out.code == "2|    return a - b\n3|"


def test_view_end_past_the_file_is_clipped(ep):
    out = ep.view("calc.py", 5, 999)
    assert (out.start_line, out.end_line, out.lines_total) == (5, 6, 6)
    assert out.code == "5|def sub(a, b):\n6|    return a - b"


def test_view_single_last_line(ep):
    assert ep.view("calc.py", 6, 6).code == "6|    return a - b"


def test_view_visible_test_and_readonly_source(ep):
    assert ep.view("tests/test_calc.py", None, None).code.startswith("1|from calc import add\n")
    assert ep.view("helpers.py", None, None).code == "1|CONSTANT = 42"


def test_view_empty_file(ep):
    out = ep.view("pkg/__init__.py", None, None)
    assert out.lines_total == 0 and out.code == ""


def test_view_shows_current_edits(ep):
    ep.replace_lines("calc.py", 2, 2, "    return a + b")
    assert ep.view("calc.py", 2, 2).code == "2|    return a + b"


@pytest.mark.parametrize(
    ("path", "start", "end", "match"),
    [
        ("calc.py", 0, None, "start_line 0 is out of range"),
        ("calc.py", -3, 2, "out of range"),
        ("calc.py", 7, None, "start_line 7 is out of range: calc.py has lines 1-6"),
        ("calc.py", 7, 9, "out of range"),
        ("calc.py", 4, 2, "end_line 2 is before start_line 4"),
        ("nope.py", None, None, "No file 'nope.py'"),
        ("hidden_tests/test_calc_hidden.py", None, None, "No file"),
        ("solution/calc.py", None, None, "No file"),
    ],
)
def test_view_errors(ep, path, start, end, match):
    before = state(ep)
    with pytest.raises(BadArgument, match=match):
        ep.view(path, start, end)
    assert state(ep) == before


def test_view_error_lists_readable_files_but_never_hidden_or_solution(ep):
    with pytest.raises(BadArgument) as info:
        ep.view("hidden_tests/test_calc_hidden.py", None, None)
    listed = str(info.value).split("Readable files:")[1]
    assert "calc.py" in listed and "tests/test_calc.py" in listed
    assert "hidden" not in listed and "solution" not in listed


# -- replace_lines ---------------------------------------------------------------------------


def test_replace_one_line(ep):
    edit = ep.replace_lines("calc.py", 2, 2, "    return a + b")
    out = shown(ep, edit)
    assert ep.files["calc.py"] == SOLUTION
    assert edit.path == "calc.py" and (edit.start_line, edit.end_line, edit.lines_total) == (2, 2, 6)
    assert out.syntax_error is None
    assert "2|    return a + b" in out.window
    assert out.window_start == 1 and out.window_end == 5
    assert out.window.splitlines()[0] == "1|def add(a, b):"
    assert len(ep.undo_stack) == 1


def test_replace_defaults_to_main_file(ep):
    ep.replace_lines(None, 2, 2, "    return a + b")
    assert ep.files["calc.py"] == SOLUTION


def test_replace_in_another_editable_file(ep):
    ep.replace_lines("pkg/util.py", 2, 2, "    return x * 2")
    assert ep.files["pkg/util.py"] == "def double(x):\n    return x * 2\n"
    assert ep.files["calc.py"] == CALC


def test_replace_range_with_more_lines(ep):
    ep.replace_lines("calc.py", 1, 2, "def add(a, b):\n    total = a + b\n    return total\n")
    assert ep.files["calc.py"].splitlines()[:3] == ["def add(a, b):", "    total = a + b", "    return total"]
    assert len(ep.files["calc.py"].splitlines()) == 7


def test_insert_with_end_before_start(ep):
    out = ep.replace_lines("calc.py", 1, 0, "import math")
    assert ep.files["calc.py"] == "import math\n" + CALC
    assert out.lines_total == 7
    assert "1|import math" in shown(ep, out).window


def test_insert_in_the_middle(ep):
    ep.replace_lines("calc.py", 2, 1, "    '''Add.'''")
    assert ep.files["calc.py"].splitlines()[:3] == ["def add(a, b):", "    '''Add.'''", "    return a - b"]


def test_delete_with_empty_new_code(ep):
    out = ep.replace_lines("calc.py", 3, 4, "")
    assert ep.files["calc.py"] == "def add(a, b):\n    return a - b\ndef sub(a, b):\n    return a - b\n"
    assert out.lines_total == 4
    assert shown(ep, out).syntax_error is None


def test_append_at_total_plus_one(ep):
    out = ep.replace_lines("calc.py", 7, 6, "\n\ndef mul(a, b):\n    return a * b")
    assert ep.files["calc.py"] == CALC + "\n\ndef mul(a, b):\n    return a * b\n"
    assert out.lines_total == 10


def test_insert_into_empty_file(ep):
    ep.replace_lines("pkg/__init__.py", 1, 0, "from pkg.util import double")
    assert ep.files["pkg/__init__.py"] == "from pkg.util import double\n"


def test_crlf_is_normalized(ep):
    ep.replace_lines("calc.py", 2, 2, "    x = a + b\r\n    return x\r\n")
    assert "\r" not in ep.files["calc.py"]
    assert ep.files["calc.py"].splitlines()[1:3] == ["    x = a + b", "    return x"]


def test_unified_diff_content(ep):
    out = shown(ep, ep.replace_lines("calc.py", 2, 2, "    return a + b"))
    lines = out.diff.splitlines()
    assert lines[0] == "--- a/calc.py"
    assert lines[1] == "+++ b/calc.py"
    assert lines[2].startswith("@@ -1,")
    assert "-    return a - b" in lines
    assert "+    return a + b" in lines
    assert sum(1 for line in lines if line.startswith("-") and not line.startswith("---")) == 1
    assert sum(1 for line in lines if line.startswith("+") and not line.startswith("+++")) == 1


def test_syntax_error_is_reported_and_edit_still_applies(ep):
    out = shown(ep, ep.replace_lines("calc.py", 5, 5, "def sub(a, b:"))
    assert ep.files["calc.py"].splitlines()[4] == "def sub(a, b:"
    assert out.syntax_error is not None
    assert out.syntax_error.line == 5
    assert out.syntax_error.text == "def sub(a, b:"
    assert out.syntax_error.message
    assert len(ep.undo_stack) == 1
    assert set(ep.syntax_problems()) == {"calc.py"}


def test_syntax_error_line_after_an_insert(ep):
    out = shown(ep, ep.replace_lines("calc.py", 1, 0, "import os\nimport sys\nx = ("))
    assert out.syntax_error is not None
    assert out.syntax_error.line == 3


def test_syntax_problems_clear_after_fix(ep):
    ep.replace_lines("calc.py", 2, 2, "    return a +")
    assert ep.syntax_problems()["calc.py"].line == 2
    ep.replace_lines("calc.py", 2, 2, "    return a + b")
    assert ep.syntax_problems() == {}


@pytest.mark.parametrize(
    ("path", "start", "end", "code", "error", "match"),
    [
        ("calc.py", 0, 1, "x = 1", BadArgument, "start_line 0 is out of range"),
        ("calc.py", -1, 1, "x = 1", BadArgument, "out of range"),
        ("calc.py", 8, 8, "x = 1", BadArgument, "start_line 8 is out of range"),
        ("calc.py", 8, 7, "x = 1", BadArgument, "out of range"),
        ("calc.py", 2, 7, "x = 1", BadArgument, "end_line 7 is out of range"),
        ("calc.py", 4, 2, "x = 1", BadArgument, "end_line 2 is before start_line 4"),
        ("calc.py", 4, 0, "", BadArgument, "before start_line"),
        ("tests/test_calc.py", 1, 1, "x = 1", NotEditable, "visible test file"),
        ("helpers.py", 1, 1, "x = 1", NotEditable, "not an editable file"),
        ("nope.py", 1, 1, "x = 1", NotEditable, "not a file of this task"),
        ("hidden_tests/test_calc_hidden.py", 1, 1, "x = 1", NotEditable, "not a file of this task"),
        ("calc.py", 2, 2, "x = '\x00'", BadArgument, "NUL"),
        ("calc.py", 2, 2, "x = '\ud800'", BadArgument, "surrogate"),
        ("calc.py", 2, 2, "x" * (MAX_CODE_CHARS + 1), BadArgument, "limit"),
    ],
)
def test_replace_errors_leave_the_episode_unchanged(ep, path, start, end, code, error, match):
    ep.replace_lines("pkg/util.py", 2, 2, "    return x * 2")  # some history to protect
    ep.charge("replace_lines", "edit")
    before = state(ep)
    with pytest.raises(error, match=match):
        ep.replace_lines(path, start, end, code)
    assert state(ep) == before


def test_not_editable_error_names_the_editable_files(ep):
    with pytest.raises(NotEditable) as info:
        ep.replace_lines("tests/test_calc.py", 1, 1, "")
    assert "calc.py, pkg/util.py" in str(info.value)


def test_replace_that_would_make_the_file_too_big(ep):
    chunk = "#" * (MAX_CODE_CHARS - 10)
    ep.replace_lines("calc.py", 7, 6, chunk)
    ep.replace_lines("calc.py", 7, 6, chunk)
    before = state(ep)
    with pytest.raises(BadArgument, match=str(MAX_FILE_CHARS)):
        ep.replace_lines("calc.py", 7, 6, chunk)
    assert state(ep) == before


def test_bad_arguments_are_debugbox_errors():
    assert issubclass(BadArgument, DebugboxError) and issubclass(NotEditable, DebugboxError)
    assert issubclass(NothingToUndo, DebugboxError) and issubclass(EpisodeFinished, DebugboxError)


# -- undo and reset --------------------------------------------------------------------------


def test_nothing_to_undo(ep):
    before = state(ep)
    with pytest.raises(NothingToUndo, match="(?i)nothing to undo"):
        ep.undo()
    assert state(ep) == before


def test_undo_reverts_edits_one_at_a_time(ep):
    ep.replace_lines("calc.py", 2, 2, "    return a + b")
    after_first = dict(ep.files)
    ep.replace_lines("pkg/util.py", 2, 2, "    return x * 2")
    label, changes = ep.undo()
    diff = diffs.render(changes).text
    assert "pkg/util.py" in label
    assert ep.files == after_first
    assert "+    return x * 3" in diff and "-    return x * 2" in diff
    label, changes = ep.undo()
    diff = diffs.render(changes).text
    assert "calc.py" in label
    assert ep.files == make_task().editable_files()
    assert "+    return a - b" in diff
    with pytest.raises(NothingToUndo):
        ep.undo()


def test_undo_after_a_syntax_error_edit(ep):
    ep.replace_lines("calc.py", 2, 2, "    return (")
    ep.undo()
    assert ep.files["calc.py"] == CALC
    assert ep.syntax_problems() == {}


def test_reset_restores_originals_and_is_undoable(ep):
    ep.replace_lines("calc.py", 2, 2, "    return a + b")
    ep.replace_lines("pkg/util.py", 1, 0, "import os")
    edited = dict(ep.files)
    diff = diffs.render(ep.reset()).text
    assert ep.files == make_task().editable_files()
    assert "a/calc.py" in diff and "a/pkg/util.py" in diff
    assert ep.undo_stack[-1].label == "reset_code"
    label, changes = ep.undo()
    undo_diff = diffs.render(changes).text
    assert label == "reset_code"
    assert ep.files == edited
    assert "+    return a + b" in undo_diff
    # the edits before the reset are still undoable
    ep.undo()
    ep.undo()
    assert ep.files == make_task().editable_files()


def test_reset_of_pristine_files_is_an_error_that_changes_nothing(ep):
    before = state(ep)
    with pytest.raises(NoChange, match="already the originals"):
        ep.reset()
    assert state(ep) == before
    ep.replace_lines("calc.py", 2, 2, "    return a + b")
    ep.undo()  # back to the originals by another way: still nothing to reset
    with pytest.raises(NoChange):
        ep.reset()


def test_an_edit_that_changes_nothing_is_an_error_that_changes_nothing(ep):
    before = state(ep)
    with pytest.raises(NoChange, match="No change"):
        ep.replace_lines("calc.py", 2, 2, "    return a - b")
    with pytest.raises(NoChange, match="No change"):
        ep.replace_lines("calc.py", 2, 2, "    return a - b\n")  # one trailing newline is ignored
    assert state(ep) == before


def test_reset_does_not_alias_the_task(ep):
    ep.replace_lines("calc.py", 2, 2, "    return a + b")
    ep.reset()
    ep.replace_lines("calc.py", 2, 2, "    return 0")
    assert ep.task.source_files["calc.py"] == CALC


# -- budget, charge, finish ------------------------------------------------------------------


def test_charge_counts_steps_and_records_history(ep):
    ep.charge("view_code", "viewed calc.py")
    ep.charge("run_tests", "1/2 passed", reward=0.5)
    assert ep.step == 2 and ep.steps_remaining == 8
    assert ep.rewards == [0.0, 0.5]
    assert ep.last_reward == 0.5
    assert [(h.step, h.tool, h.reward) for h in ep.history] == [(1, "view_code", 0.0), (2, "run_tests", 0.5)]


def test_history_summary_is_capped(ep):
    ep.charge("view_code", "x" * 1000)
    assert len(ep.history[-1].summary) == 200


def test_budget_is_spent_at_max_steps():
    ep = Episode.create("e", make_task(), max_steps=2)
    assert ep.last_reward == 0.0
    ep.charge("view_code", "")
    assert not ep.budget_spent and ep.steps_remaining == 1
    ep.charge("view_code", "")
    assert ep.budget_spent and ep.steps_remaining == 0
    ep.charge("submit", "")
    assert ep.steps_remaining == 0


def outcome(value: float, resolved: bool = False) -> Score:
    return Score(score=value, resolved=resolved, fixed=0, broken=0, fail_to_pass=1, pass_to_pass=0, hidden_passed=int(resolved), hidden_total=1)


@pytest.mark.parametrize(("score", "resolved"), [(1.0, True), (0.5, False), (0.0, False)])
def test_finish_records_score(ep, score, resolved):
    assert ep.finish(outcome(score, resolved), "submitted") == score  # nothing paid before: the reward is the score
    assert ep.done and ep.score == score and ep.resolved is resolved
    assert ep.end_reason == "submitted"


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("submitted", "submitted"),
        ("budget_spent", "budget"),
        ("idle_timeout", "idle"),
        ("server_shutdown", "shutting down"),
        ("sandbox_failure", "sandbox failed"),
    ],
)
def test_ensure_active_after_finish_names_the_reason(ep, reason, words):
    ep.ensure_active()  # active: no error
    ep.finish(outcome(0.25), reason)
    with pytest.raises(EpisodeFinished) as info:
        ep.ensure_active()
    message = str(info.value)
    assert words in message
    assert "ep-1" in message
    assert "0.25" in message
    assert "start_task" in message


def test_end_without_score(ep):
    ep.end_without_score("idle_timeout")
    assert ep.done and ep.score == 0.0 and ep.resolved is False
    with pytest.raises(EpisodeFinished, match="idle"):
        ep.ensure_active()


def test_end_without_score_keeps_an_existing_score(ep):
    ep.finish(outcome(1.0, True), "submitted")
    ep.end_without_score("server_shutdown")
    assert ep.score == 1.0 and ep.resolved is True


# -- scoring.count ---------------------------------------------------------------------------


def result(outcomes=(), collected="auto", collect_errors=()) -> RunResult:
    tests = [base.TestResult(nodeid=f"t::{i}", outcome=o) for i, o in enumerate(outcomes)]
    if collected == "auto":
        collected = [t.nodeid for t in tests]
    return RunResult(
        kind="pytest",
        status="ok",
        collected=collected,
        tests=tests,
        collect_errors=[CollectError(nodeid=n, longrepr="boom") for n in collect_errors],
    )


def test_count_outcomes():
    counts = count(result(["passed", "passed", "failed", "error", "timeout", "skipped"]), 6)
    assert counts.model_dump() == dict(passed=2, failed=1, errors=1, timed_out=1, skipped=1, not_run=0, total=6)
    assert counts.fraction == pytest.approx(2 / 6)


def test_count_with_collected_none_uses_expected_total():
    counts = count(result([], collected=None), 5)
    assert counts.total == 5 and counts.not_run == 5 and counts.passed == 0
    assert counts.fraction == 0.0


def test_count_collection_error_keeps_static_total_as_floor():
    counts = count(result([], collected=[], collect_errors=["tests/test_calc.py"]), 4)
    assert counts.total == 4 and counts.not_run == 4
    assert counts.fraction == 0.0


def test_count_partial_collection_keeps_static_total_as_floor():
    # one module imported (2 tests, both passed), the other failed to import (2 tests lost)
    counts = count(result(["passed", "passed"], collect_errors=["tests/test_b.py"]), 4)
    assert counts.total == 4 and counts.passed == 2 and counts.not_run == 2
    assert counts.fraction == 0.5


def test_count_more_collected_than_expected():
    # parametrize with a computed argument list: collection knows better than the static count
    counts = count(result(["passed"] * 3), 1)
    assert counts.total == 3 and counts.fraction == 1.0


def test_count_tests_not_run_after_a_run_timeout():
    run = result(["passed"], collected=["t::0", "t::1", "t::2"])
    counts = count(run, 3)
    assert counts.total == 3 and counts.not_run == 2 and counts.fraction == pytest.approx(1 / 3)


def test_count_zero_total():
    assert count(result([]), 0).fraction == 0.0


# -- deepest_frame ---------------------------------------------------------------------------


def test_deepest_frame_picks_innermost_editable():
    frames = [
        Frame(path="tests/test_calc.py", line=5, function="test_add"),
        Frame(path="calc.py", line=2, function="add"),
        Frame(path="pkg/util.py", line=2, function="double"),
        Frame(path="helpers.py", line=1, function="<module>"),
    ]
    assert deepest_frame(frames, ["calc.py", "pkg/util.py"]) == frames[2]
    assert deepest_frame(frames, ["calc.py"]) == frames[1]


def test_deepest_frame_none():
    assert deepest_frame(None, ["calc.py"]) is None
    assert deepest_frame([], ["calc.py"]) is None
    assert deepest_frame([Frame(path="tests/test_calc.py", line=1)], ["calc.py"]) is None


# -- views helpers ---------------------------------------------------------------------------


def test_numbered_and_window():
    lines = [f"l{i}" for i in range(1, 11)]
    assert views.numbered(lines, 2, 3) == "2|l2\n3|l3"
    assert views.window(lines, 1, 1) == (1, 4, "1|l1\n2|l2\n3|l3\n4|l4")
    start, end, text = views.window(lines, 10, 10)
    assert (start, end) == (7, 10) and text.endswith("10|l10")
    assert views.window([], 1, 1) == (0, 0, "")


def test_split_and_join_round_trip():
    assert views.split_lines("a\nb\n") == ["a", "b"]
    assert views.join_lines(["a", "b"]) == "a\nb\n"
    assert views.join_lines([]) == ""


def test_syntax_issue_only_for_python():
    assert views.syntax_issue("data.txt", "def (") is None
    issue = views.syntax_issue("x.py", "a = 1\nb = (\n")
    assert issue is not None and issue.line == 2
    assert views.syntax_issue("x.py", "a = 1\n") is None


def test_unified_diff_no_change_is_empty():
    assert views.unified_diff("x.py", "a\n", "a\n") == ""


def test_task_is_not_mutated_by_the_episode(ep):
    task_before = copy.deepcopy(ep.task.source_files)
    ep.replace_lines("calc.py", 2, 2, "    return a + b")
    ep.replace_lines("pkg/util.py", 2, 2, "")
    assert ep.task.source_files == task_before
