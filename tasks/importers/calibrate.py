"""What an import learns from the check's measured runs of a task it wrote (docs/TASKS.md):

- time limits calibrated from the reference solution's measured run, so a slow but correct
  reference is not rejected: the slowest test and run, over the check's time margin, with room;
- tests the source suite itself skips (the solution's runs report them skipped) dropped from the
  task's test files instead of scored as failures.

`revise` rewrites a rejected task directory when one of those is all that is wrong with it, and
says what it changed; the import then checks it once more."""

from __future__ import annotations

import ast
import math
import re
import tomllib
from pathlib import Path
from typing import Any

from tasks.importers.common import _toml_value

SLOW = "too slow:"
FAILS = ("the solution fails hidden tests", "the solution fails visible tests", "the solution's submit scored")
HEADROOM = 2.0  # the limit the margin allows, times this: a busier machine scores the same
MAX_TEST_TIMEOUT_S = 600.0
MAX_RUN_TIMEOUT_S = 3600.0


def calibrated(spec: dict[str, Any], max_test_s: float | None, max_run_s: float | None, margin: float) -> dict[str, float]:
    """test_timeout_s and run_timeout_s that the solution's measured times fit in with room."""
    test = float(spec.get("test_timeout_s", 5.0))
    run = float(spec.get("run_timeout_s", 30.0))
    if max_test_s:
        test = max(test, min(MAX_TEST_TIMEOUT_S, math.ceil(max_test_s / margin * HEADROOM)))
    if max_run_s:
        run = max(run, min(MAX_RUN_TIMEOUT_S, math.ceil(max_run_s / margin * HEADROOM)))
    return {"test_timeout_s": float(test), "run_timeout_s": float(max(run, test))}


def drop_tests(source: str, names: set[str]) -> tuple[str, set[str]]:
    """The module without the test functions (or methods, `Class::name`) named; and the names it
    could not drop (a parametrized case of a function whose other cases run stays: not dropped)."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    spans, dropped = [], set()
    for node in tree.body:
        members = [(node.name, node)] if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else []
        if isinstance(node, ast.ClassDef):
            members = [(f"{node.name}::{m.name}", m) for m in node.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for name, fn in members:
            if name in names:
                first = min([fn.lineno, *(d.lineno for d in fn.decorator_list)])
                spans.append((first - 1, fn.end_lineno, fn.col_offset))
                dropped.add(name)
    for start, end, indent in sorted(spans, reverse=True):
        lines[start:end] = [" " * indent + "pass  # a test the source suite skips, dropped by the import\n"] if indent else []
    text = "".join(lines)
    ast.parse(text)
    return text, names - dropped


def revise(task_dir: Path, reasons: list[str], verdict, margin: float) -> str | None:
    """Fix the task directory when its only problems are its limits or skipped tests; None when it
    cannot be fixed that way (it stays rejected)."""
    slow = [r for r in reasons if r.startswith(SLOW)]
    failing = [r for r in reasons if r.startswith(FAILS)]
    if len(slow) + len(failing) != len(reasons) or not reasons:
        return None
    notes = []
    if failing:
        skipped = list(verdict.solution_skipped)
        listed = [entry for r in failing if not r.startswith("the solution's submit") for entry in r.split(": ", 1)[-1].split(", ")]
        if not skipped or not all(e.endswith("(skipped)") or re.fullmatch(r"(.* )?and \d+ more", e) for e in listed):
            return None  # the solution fails tests it runs: a real rejection
        worst = max((total - passed for passed, total in [*verdict.solution_hidden, *verdict.solution_visible]), default=0)
        if worst > len(skipped):
            return None
        by_file: dict[str, set[str]] = {}
        for nodeid in skipped:
            path, _, name = nodeid.partition("::")
            by_file.setdefault(path, set()).add(name)
        spec = tomllib.loads((task_dir / "task.toml").read_text(encoding="utf-8"))
        tests = spec.get("tests", {})
        dirs = {"tests": tests.get("visible_dir", "tests"), "hidden_tests": tests.get("hidden_dir", "hidden_tests")}
        changed = 0
        for folder, project_dir in dirs.items():
            for path, names in by_file.items():
                rel = path if project_dir == "." else path.removeprefix(project_dir + "/")
                file = task_dir / folder / rel
                if not file.is_file() or (project_dir != "." and not path.startswith(project_dir + "/")):
                    continue
                text, kept = drop_tests(file.read_text(encoding="utf-8"), names)
                if kept:
                    return None  # parametrized cases: not droppable one by one here
                file.write_text(text, encoding="utf-8")
                changed += 1
        if not changed:
            return None
        notes.append(f"dropped {len(skipped)} test(s) the source suite skips: {', '.join(skipped[:3])}" + (" ..." if len(skipped) > 3 else ""))
    if slow:
        toml_path = task_dir / "task.toml"
        text = toml_path.read_text(encoding="utf-8")
        limits = calibrated(tomllib.loads(text), verdict.max_test_s, verdict.max_run_s, margin)
        for key, value in limits.items():
            text = re.sub(rf"^{key} = .*$", f"{key} = {_toml_value(value)}", text, count=1, flags=re.M)
        toml_path.write_text(text, encoding="utf-8")
        notes.append(f"time limits calibrated from the reference run: {limits['test_timeout_s']:g} s per test, {limits['run_timeout_s']:g} s per run")
    return "; ".join(notes)
