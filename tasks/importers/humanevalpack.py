"""HumanEvalPack / HumanEvalFix rows (JSON lines) -> task drafts.

A row carries `prompt` (signature and docstring), `buggy_solution` and `canonical_solution`
(bodies that complete the prompt), and `test`: a `check(candidate)` function followed by a call
to it. The buggy program is prompt + buggy_solution, the reference is prompt + canonical_solution.
When the check body opens with a run of plain asserts, each becomes its own test, so a partial fix
earns partial credit; whatever follows the first non-assert statement (loops, helpers, random
cases) stays together as one last test, because its statements may depend on each other.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

from tasks.importers.common import Skipped, TaskDraft, judge_difficulty, run_timeout_for, slug, visible_count

TEST_TIMEOUT_S = 3.0
RESERVED_MODULES = {"pytest", "_pytest", "conftest", "tests", "hidden_tests", "solution"}


class SkipRow(Exception):
    """This row cannot make a valid task; the message says why."""


def _module_name(entry_point: str) -> str:
    module = slug(entry_point) or "program"
    if module[0].isdigit() or module in sys.stdlib_module_names or module in RESERVED_MODULES:
        module = f"{module}_impl"  # never shadow a module the tests or the runner import
    return module


def _statement_text(stmt: ast.stmt, lines: list[str]) -> str:
    """The statement as written when the check body uses the usual 4-space indent (comments and
    formatting kept); otherwise ast.unparse, which re-indents safely even inside multi-line strings."""
    if stmt.col_offset == 4 and stmt.end_lineno is not None:
        chunk = lines[stmt.lineno - 1 : stmt.end_lineno]
        if chunk and chunk[0][:4] == "    " and all(line[:4].strip() == "" for line in chunk):
            return "\n".join(chunk)
    return "\n".join("    " + line for line in ast.unparse(stmt).splitlines())


def _is_placeholder(stmt: ast.stmt) -> bool:
    """`assert True, "..."`: HumanEval's filler lines; as tests they would be free credit."""
    return isinstance(stmt, ast.Assert) and isinstance(stmt.test, ast.Constant) and stmt.test.value is True


def split_check(test_source: str) -> tuple[str, str, list[str]]:
    """(module-level code besides check, check's parameter name, one indented body per test)."""
    try:
        tree = ast.parse(test_source)
    except SyntaxError as exc:
        raise SkipRow(f"the test does not parse: {exc.msg} (line {exc.lineno})") from None
    lines = test_source.splitlines()
    checks = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "check"]
    if len(checks) != 1:
        raise SkipRow("the test does not define exactly one check() function")
    check = checks[0]
    args = check.args
    if len(args.args) != 1 or args.posonlyargs or args.kwonlyargs or args.vararg or args.kwarg:
        raise SkipRow("check() must take exactly one parameter (the candidate function)")

    def is_check_call(stmt: ast.stmt) -> bool:
        return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func, ast.Name) and stmt.value.func.id == "check"

    preamble = [ast.unparse(s) for s in tree.body if s is not check and not is_check_call(s)]
    body = list(check.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
        body = body[1:]
    cases: list[str] = []
    index = 0
    while index < len(body) and isinstance(body[index], ast.Assert):
        if not _is_placeholder(body[index]):
            cases.append(_statement_text(body[index], lines))
        index += 1
    rest = body[index:]
    if rest and not all(_is_placeholder(s) for s in rest):
        cases.append("\n".join(_statement_text(s, lines) for s in rest))
    if not cases:
        raise SkipRow("check() holds no real test (only placeholders)")
    return "\n".join(preamble), args.args[0].arg, cases


def _test_file(task_id: str, module: str, entry_point: str, param: str, preamble: str, cases: list[str], numbers: list[int]) -> str:
    width = max(2, len(str(max(numbers))))
    parts = [
        f"# HumanEvalPack {task_id}: its check(), one test per assert.\n",
        f"from {module} import *  # noqa: F403 - the original check ran in the program's own namespace\n",
        f"from {module} import {entry_point}\n",
    ]
    if param != entry_point:
        parts.append(f"\n{param} = {entry_point}\n")
    if preamble.strip():
        parts.append(f"\n{preamble.strip()}\n")
    for number, case in zip(numbers, cases):
        parts.append(f"\n\ndef test_check_{number:0{width}d}():\n{case}\n")
    text = "".join(parts)
    ast.parse(text)  # a SyntaxError here is a bug in the split, not in the row
    return text


def _description(row: dict, module: str, entry_point: str) -> str:
    instruction = str(row.get("instruction") or "").strip()
    parts = [
        f"# Fix `{entry_point}`\n\n",
        (
            f"`{module}.py` defines `{entry_point}`; its docstring says what the function must do. "
            f"The implementation has a bug: fix `{module}.py` so that `{entry_point}` behaves as specified.\n"
        ),
    ]
    if instruction:
        parts.append(f"\nThe task, as HumanEvalPack states it:\n\n```text\n{instruction}\n```\n")
    parts.append("\nThe visible tests in `tests/` are some of the checks; submit scores all of them.\n")
    return "".join(parts)


def draft_from_row(row: dict) -> TaskDraft:
    for key in ("task_id", "buggy_solution", "canonical_solution", "test", "entry_point"):
        if not isinstance(row.get(key), str) or not row[key].strip():
            raise SkipRow(f"field {key!r} is missing or empty")
    task_id = row["task_id"]
    if not task_id.lower().startswith("python/"):
        raise SkipRow("not a Python row (debugbox tasks are Python)")
    entry_point = row["entry_point"].strip()
    if not entry_point.isidentifier():
        raise SkipRow(f"entry_point {entry_point!r} is not a Python name")
    head = row.get("prompt") or row.get("declaration") or ""
    source = head + row["buggy_solution"]
    solution = head + row["canonical_solution"]
    for label, text in (("buggy program", source), ("reference program", solution)):
        try:
            ast.parse(text)
        except SyntaxError as exc:
            raise SkipRow(f"the {label} does not parse: {exc.msg} (line {exc.lineno})") from None
    if source.strip() == solution.strip():
        raise SkipRow("buggy_solution is the canonical_solution: there is no bug")
    module = _module_name(entry_point)
    preamble, param, cases = split_check(row["test"])
    shown = visible_count(len(cases))
    numbers = list(range(1, len(cases) + 1))
    tags = ["humanevalfix"]
    if row.get("bug_type"):
        tags.append(slug(str(row["bug_type"])).replace("_", "-"))
    return TaskDraft(
        id=slug(f"humanevalfix_{task_id}"),
        title=f"HumanEvalFix {task_id}: {entry_point}",
        description=_description(row, module, entry_point),
        main_file=f"{module}.py",
        source=source.rstrip() + "\n",
        solution=solution.rstrip() + "\n",
        visible_tests={f"tests/test_{module}.py": _test_file(task_id, module, entry_point, param, preamble, cases[:shown], numbers[:shown])},
        hidden_tests={f"hidden_tests/test_{module}_hidden.py": _test_file(task_id, module, entry_point, param, preamble, cases, numbers)},
        tags=tags,
        difficulty=judge_difficulty(source, solution),
        test_timeout_s=TEST_TIMEOUT_S,
        run_timeout_s=run_timeout_for(len(cases), TEST_TIMEOUT_S),
    )


def drafts(path: Path) -> tuple[list[TaskDraft], list[Skipped]]:
    """Every row of a JSON-lines file as a draft, or as a skip with its reason."""
    made: list[TaskDraft] = []
    skipped: list[Skipped] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                skipped.append(Skipped(f"line {number}", f"not JSON: {exc}"))
                continue
            name = str(row.get("task_id", f"line {number}")) if isinstance(row, dict) else f"line {number}"
            try:
                if not isinstance(row, dict):
                    raise SkipRow("a row must be a JSON object")
                draft = draft_from_row(row)
            except SkipRow as exc:
                skipped.append(Skipped(name, str(exc)))
                continue
            except SyntaxError as exc:
                skipped.append(Skipped(name, f"its tests could not be split into valid Python: {exc.msg}"))
                continue
            if draft.id in seen:
                skipped.append(Skipped(name, f"a second row with the id {draft.id}"))
                continue
            seen.add(draft.id)
            made.append(draft)
    return made, skipped
