"""The pure parts of issue 15 (parts 2 and 5): bounded diffs, episode limits, undo history as reverse
edits, memory accounting. No I/O, no sandbox (tests/test_limits.py drives the server)."""

from __future__ import annotations

import gc
import random
import re
import time
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from environment import diffs, views
from environment.scoring import Score
from environment.episode import Episode
from environment.errors import BadArgument, NoChange, NothingToUndo
from environment.limits import MIB, EpisodeLimits
from tests.test_episode import make_task, state

HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def patch(before: list[str], diff: str) -> list[str]:
    """Apply a unified diff (as diffs.render writes it) to lines; fails on any mismatch."""
    lines = diff.split("\n")  # at "\n" only, as the views count lines (a form feed is inside a line)
    if lines[-1] == "":
        lines.pop()
    out: list[str] = []
    pos = 0
    i = 0
    while i < len(lines):
        if lines[i].startswith("--- a/"):
            assert lines[i + 1].startswith("+++ b/")
            i += 2
            continue
        match = HUNK.match(lines[i])
        assert match, lines[i]
        start, length = int(match.group(1)), int(match.group(2) or 1)
        at = start - 1 if length else start
        out += before[pos:at]
        pos = at
        i += 1
        while i < len(lines) and not lines[i].startswith(("@@", "--- a/")):
            tag, text = lines[i][0], lines[i][1:]
            if tag == " ":
                assert before[pos] == text
                out.append(text)
                pos += 1
            elif tag == "-":
                assert before[pos] == text
                pos += 1
            else:
                assert tag == "+", lines[i]
                out.append(text)
            i += 1
    return out + before[pos:]


# -- bounded diffs ----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from("abcde"), max_size=14), st.lists(st.sampled_from("abcde"), max_size=14))
def test_a_diff_applied_to_the_old_lines_gives_the_new_ones(before, after):
    diff = diffs.unified_diff("f.py", before, after)
    assert (diff == "") == (before == after)
    if diff:
        assert diff.startswith("--- a/f.py\n+++ b/f.py\n@@ -")
        assert patch(before, diff) == after


def test_a_diff_matches_difflib_on_ordinary_edits():
    import difflib

    before = [f"line {i}" for i in range(40)]
    after = before[:10] + ["new"] + before[12:30] + before[31:]
    ours = diffs.unified_diff("m.py", before, after)
    theirs = "".join(difflib.unified_diff([x + "\n" for x in before], [x + "\n" for x in after], "a/m.py", "b/m.py", n=2))
    assert ours == theirs


def interleaved(n: int) -> tuple[list[str], list[str]]:
    """difflib's bad case: every other line moved (quadratic: 8,000 lines took ~5 s)."""
    lines = [f"_{i:x}" for i in range(n)]
    return lines, lines[1::2] + lines[0::2]


def test_an_adversarial_diff_is_fast_bounded_and_says_what_it_cut():
    before, after = interleaved(20_000)
    started = time.perf_counter()
    out = diffs.render([diffs.FileChange("m.py", before, after)])
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"{elapsed:.2f} s"  # the whole-file difflib diff took ~30 s
    assert out.whole_replacements == 1 and out.cut_lines > 30_000
    assert len(out.text) <= diffs.MAX_DIFF_CHARS + 500
    assert "too large to compare line by line" in out.text
    assert f"{out.cut_lines:,} more lines ({out.cut_chars:,} characters) not shown" in out.text


def test_a_region_limits_what_is_compared():
    """replace_lines passes the edited range: lines outside it are not even compared."""
    before = [f"l{i}" for i in range(10)]
    after = before[:4] + ["X", "Y"] + before[6:]
    change = diffs.FileChange("m.py", before, after, lo=4, before_hi=6, after_hi=6)
    diff = diffs.render([change]).text
    assert diff.splitlines()[2] == "@@ -3,6 +3,6 @@"
    assert patch(before, diff) == after


def test_a_cut_diff_keeps_its_head_whole():
    before = [f"old {i}" for i in range(5_000)]
    after = [f"new {i}" for i in range(5_000)]
    out = diffs.render([diffs.FileChange("m.py", before, after)], max_chars=1_000)
    kept = out.text.split("\n[")[0] + "\n"
    assert len(kept) <= 1_000 and kept.endswith("\n")
    assert out.cut_lines == 10_000 + 3 - kept.count("\n")


def test_the_window_after_a_huge_edit_is_capped_and_says_how_to_see_the_rest():
    lines = [f"x{i}" for i in range(1_000)]
    start, end, text = views.window(lines, 1, 1_000)
    assert (start, end) == (1, views.MAX_WINDOW_LINES)
    assert text.splitlines()[-1] == f"... lines {end + 1}-1000 not shown: view_code start_line={end + 1} end_line=1000 shows them"


# -- limits ------------------------------------------------------------------------------------

SMALL = EpisodeLimits(max_file_chars=2_000, max_file_lines=100, max_workspace_chars=3_000, max_undo_bytes=MIB, max_steps=50)


@pytest.mark.parametrize(
    ("start", "end", "code", "needles"),
    [
        (1, 0, "\n" * 120, ["126 lines", "limit is 100 lines", "--max-file-lines", "Nothing was changed"]),
        (1, 0, "#" * 2_500, ["2567 characters", "limit is 2000 characters", "--max-file-chars", "no step was counted"]),
    ],
    ids=["lines", "characters"],
)
def test_an_edit_past_a_file_limit_is_refused_and_changes_nothing(start, end, code, needles):
    ep = Episode.create("e", make_task(), limits=SMALL)
    ep.replace_lines("calc.py", 2, 2, "    return a + b")
    before = state(ep)
    with pytest.raises(BadArgument) as info:
        ep.replace_lines("calc.py", start, end, code)
    for needle in needles:
        assert needle in str(info.value)
    assert state(ep) == before


def test_an_edit_past_the_workspace_limit_is_refused_and_changes_nothing():
    ep = Episode.create("e", make_task(), limits=SMALL)
    ep.replace_lines("calc.py", 1, 0, "#" * 1_800)
    before = state(ep)
    with pytest.raises(BadArgument, match=r"3\d\d\d characters in all; this server's limit is 3000 per episode \(--max-workspace-chars\)"):
        ep.replace_lines("pkg/util.py", 1, 0, "#" * 1_200)
    assert state(ep) == before
    ep.replace_lines("pkg/util.py", 1, 0, "#" * 900)  # within it


def test_a_file_already_past_a_limit_may_still_shrink():
    ep = Episode.create("e", make_task(), limits=SMALL)
    ep.files["calc.py"] = "x = 1\n" * 150  # as if the task shipped it so
    ep.replace_lines("calc.py", 1, 10, "y = 2")
    assert len(ep.files["calc.py"].splitlines()) == 141
    with pytest.raises(BadArgument, match="--max-file-lines"):
        ep.replace_lines("calc.py", 1, 0, "z = 3")


@pytest.mark.parametrize(("task_budget", "asked", "expected"), [(10, None, 10), (80, None, 50), (10, 50, 50), (10, 3, 3)])
def test_the_step_budget_is_the_tasks_within_the_operators_bound(task_budget, asked, expected):
    assert Episode.create("e", make_task(max_steps=task_budget), asked, SMALL).max_steps == expected


@pytest.mark.parametrize("asked", [0, -1, 51, 1000])
def test_a_step_budget_past_the_bound_is_refused_naming_it(asked):
    with pytest.raises(BadArgument) as info:
        Episode.create("e", make_task(), asked, SMALL)
    message = str(info.value)
    assert f"max_steps must be between 1 and 50 (this server's bound" in message and f"got {asked}" in message
    assert "--max-steps-limit" in message and "Omit it to use the task's budget (10)" in message


def test_limits_themselves_are_bounded():
    with pytest.raises(ValueError):
        EpisodeLimits(max_steps=0)
    with pytest.raises(ValueError):
        EpisodeLimits(max_file_lines=10)


# -- undo history as reverse edits -------------------------------------------------------------

LINE = "value = compute(alpha, beta, gamma)  # a line of about forty chars"
BIG_FILE = "\n".join(f"{LINE} {i}" for i in range(5_000)) + "\n"  # ~350 KB


def big_episode(**limits) -> Episode:
    task = make_task()
    task.source_files["calc.py"] = BIG_FILE  # the task's own string: the episode shares it
    return Episode.create("big", task, limits=EpisodeLimits(**limits))


def test_an_edit_record_holds_the_replaced_lines_only():
    ep = big_episode()
    ep.replace_lines("calc.py", 100, 101, "changed = 1")
    (record,) = ep.undo_stack
    assert record.removed == [f"{LINE} 99", f"{LINE} 100"] and record.inserted == 1 and record.start == 99
    assert record.nbytes < 1_000


def test_300_edits_of_a_350_kb_file_keep_the_episode_small_by_tracemalloc_and_by_its_own_count():
    """Issue 15, part 5: a snapshot per edit made 300 one-line edits of a 350 KB file cost ~100 MB."""
    ep = big_episode()
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        for n in range(300):
            line = 1 + (n * 37) % 5_000
            ep.replace_lines("calc.py", line, line, f"edited = {n}")
            ep.charge("replace_lines", f"calc.py:{line}-{line}")
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert held < 2 * len(BIG_FILE), f"{held / MIB:.1f} MiB held"  # one copy of the file, plus small records
    counted = ep.retained_bytes()
    assert 0.5 * held < counted < 1.5 * held + 50_000, (counted, held)
    assert ep.undo_history.nbytes < 100_000


def test_a_finished_episode_drops_its_undo_history_but_keeps_what_episodes_shows():
    ep = big_episode()
    gc.collect()
    tracemalloc.start()  # before the edits: it sees only what is allocated while it runs
    try:
        for n in range(50):
            ep.replace_lines("calc.py", 1, 1, f"first = {n}")
            ep.charge("replace_lines", "calc.py:1-1")
        ep.reset()  # the reset record holds the edited file
        files, history = dict(ep.files), list(ep.history)
        gc.collect()
        base = tracemalloc.get_traced_memory()[0]
        ep.finish(Score(score=0.5, resolved=False, fixed=1, broken=0, fail_to_pass=2, pass_to_pass=0, hidden_passed=1, hidden_total=2), "submitted")
        gc.collect()
        freed = base - tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(ep.undo_stack) == 0 and ep.undo_history.nbytes == 0
    assert freed > 0.9 * len(BIG_FILE), freed  # the edited copy of the file the reset record held
    assert ep.files == files and ep.history == history and ep.rewards == [0.0] * 50
    assert ep.retained_bytes() == ep.files_bytes() + ep.steps_bytes


def test_past_the_byte_bound_the_oldest_records_go_and_undo_says_so():
    ep = big_episode(max_undo_bytes=64 * 1024)
    for n in range(100):
        ep.replace_lines("calc.py", 1, 10, "\n".join(f"block{n} = {k}" for k in range(10)))
    assert ep.undo_history.nbytes <= 64 * 1024 and ep.undo_history.dropped > 0
    kept = len(ep.undo_stack)
    for _ in range(kept):
        ep.undo()
    before = state(ep)
    with pytest.raises(NothingToUndo) as info:
        ep.undo()
    message = str(info.value)
    assert f"the {ep.undo_history.dropped} oldest changes were dropped" in message
    assert "0.0625 MiB" in message and "--max-undo-mb" in message and "reset_code" in message
    assert state(ep) == before
    assert ep.files["calc.py"].startswith(f"block{100 - kept - 1} = 0\n")


def test_a_record_larger_than_the_bound_is_not_kept():
    ep = big_episode(max_undo_bytes=1_000)
    ep.replace_lines("calc.py", 1, 5_000, "tiny = 1")
    assert ep.undo_stack == [] and ep.undo_history.dropped == 1
    with pytest.raises(NothingToUndo, match="dropped"):
        ep.undo()


def test_a_reset_shares_the_strings_it_keeps():
    ep = big_episode()
    ep.replace_lines("pkg/util.py", 1, 1, "def triple(x):")
    util = ep.files["pkg/util.py"]
    ep.reset()
    record = ep.undo_stack[-1]
    assert record.files["pkg/util.py"] is util  # no copy
    assert record.files["calc.py"] is BIG_FILE  # the task's string, counted as nothing
    assert record.nbytes < 1_000


# -- property: undo and reset restore exactly, as a naive full-snapshot model does --------------

ODD_FILES = {
    "calc.py": "def add(a, b):\n    return a - b",  # no newline at the end
    "pkg/util.py": "x = 1\r\ny = 2\r\n\x0cz = 3\n",  # \r\n and a form feed: not rebuilt by split and join
    "pkg/__init__.py": "",
}

line_text = st.text(alphabet=st.sampled_from("ab \t#()\\\r\x0c\u2028é"), max_size=6)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("edit"), st.sampled_from(sorted(ODD_FILES)), st.integers(0, 12), st.integers(-1, 6), st.lists(line_text, max_size=4), st.booleans()),
        st.tuples(st.just("undo")),
        st.tuples(st.just("reset")),
    ),
    max_size=30,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=operations, undo_bytes=st.sampled_from([0, 600, 4_000, MIB]))
def test_random_edits_undos_and_resets_match_a_full_snapshot_model(ops, undo_bytes):
    task = make_task()
    task.source_files.update(ODD_FILES)
    ep = Episode.create("p", task, limits=EpisodeLimits(max_undo_bytes=undo_bytes))
    model: list[dict[str, str]] = []  # the old way: every file, before every change
    for op in ops:
        before = dict(ep.files)
        if op[0] == "edit":
            _, path, start, length, lines, newline = op
            total = len(views.split_lines(ep.files[path]))
            start = min(start, total) + 1
            end = min(start - 1 + length, total)
            code = "\n".join(lines) + ("\n" if newline else "")
            try:
                edit = ep.replace_lines(path, start, end, code)
            except (BadArgument, NoChange):
                assert ep.files == before
                continue
            if ep.files != before:
                model.append(before)
            assert patch(edit.change.before, views.describe_edit(edit.change, edit.first_new_line, edit.last_new_line)[0]) == views.split_lines(ep.files[path])
        elif op[0] == "reset":
            try:
                changes = ep.reset()
            except NoChange:
                assert ep.files == before == task.editable_files()
                continue
            assert ep.files == task.editable_files()
            if before != ep.files:
                model.append(before)
            for change in changes:
                assert patch(views.split_lines(before[change.path]), diffs.render([change]).text) == views.split_lines(ep.files[change.path])
        else:
            try:
                _, changes = ep.undo()
            except NothingToUndo:
                assert ep.files == before
                assert model == []
                continue
            assert ep.files == model.pop()
            for change in changes:
                assert patch(views.split_lines(before[change.path]), diffs.render([change]).text) == views.split_lines(ep.files[change.path])
        del model[: len(model) - len(ep.undo_stack)]  # the records the byte bound dropped, oldest first
        assert len(model) == len(ep.undo_stack)
        assert ep.undo_history.nbytes == sum(r.nbytes for r in ep.undo_stack) <= undo_bytes
    while model:
        ep.undo()
        assert ep.files == model.pop()


def test_undo_restores_odd_files_byte_for_byte():
    task = make_task()
    task.source_files.update(ODD_FILES)
    ep = Episode.create("p", task)
    random.seed(15)
    ep.replace_lines("pkg/util.py", 2, 2, "y = 20")
    ep.replace_lines("calc.py", 1, 0, "# top")
    assert "\r" not in ep.files["pkg/util.py"] and ep.files["calc.py"].endswith("a - b\n")
    ep.undo()
    ep.undo()
    assert ep.files == ODD_FILES
    assert ep.files["pkg/util.py"] is ODD_FILES["pkg/util.py"]
