"""A QuixBugs checkout -> task drafts.

QuixBugs keeps each buggy program in `python_programs/<name>.py`, its fix in
`correct_python_programs/<name>.py` and its tests in `python_testcases/test_<name>.py`. The tests
are not self-contained: they pick the buggy or the correct module through `pytest.use_correct`
(set by a `--correct` option in the root conftest.py), JSON-driven ones read
`json_testcases/<name>.json` (one `[args, expected]` per line) through `load_testdata.py`, and the
graph ones import `node.py`. Each converted test file imports the program from the workspace root,
has its cases inlined and needs no conftest. Graph programs get `node.py` beside them, read-only.

Some buggy programs loop forever: the per-test timeout ends those tests (they count as failed) and
the run limit leaves room for every test to time out, so neither the import check nor an agent's
run ever hangs.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

from tasks.importers.common import Skipped, TaskDraft, judge_difficulty, run_timeout_for, visible_count

TEST_TIMEOUT_S = 3.0
PROGRAM_PACKAGES = ("python_programs", "correct_python_programs")
# What the root conftest.py would have set; converted tests run with neither option.
_CONFTEST_FLAGS = re.compile(r"\bpytest\.(use_correct|run_slow|fixed|use_fixed)\b")
_USES_NODE = re.compile(r"^\s*(from\s+(\.|python_programs\.|python_testcases\.)?node\s+import|import\s+node\b)", re.MULTILINE)
_PROGRAM_NODE_IMPORT = re.compile(r"^(\s*)from\s+(\.|python_programs\.)node\s+import", re.MULTILINE)


class SkipProgram(Exception):
    pass


def _module_of(module: str | None) -> str | None:
    """`python_programs.gcd` -> `gcd`; other modules unchanged."""
    if module and module.split(".")[0] in PROGRAM_PACKAGES + ("python_testcases",) and "." in module:
        return module.split(".", 1)[1]
    return module


def _rewritten(stmt: ast.stmt) -> str:
    if isinstance(stmt, ast.ImportFrom):
        stmt = ast.ImportFrom(module=_module_of(stmt.module), names=stmt.names, level=0)
    return ast.unparse(stmt)


def _picks_buggy_branch(stmt: ast.If) -> list[ast.stmt]:
    """From `if pytest.use_correct: <correct imports> else: <buggy imports>`, the buggy branch."""
    for branch in (stmt.orelse, stmt.body):
        text = "\n".join(ast.unparse(s) for s in branch)
        if "python_programs" in text and "correct_python_programs" not in text:
            return branch
    raise SkipProgram("cannot tell which branch of the `use_correct` switch imports the buggy program")


def _cases_literal(target: str, cases: list) -> str:
    return f"{target} = [\n" + "".join(f"    {case!r},\n" for case in cases) + "]"


def convert_test(text: str, *, cases: list | None, keep_cases: int | None = None, keep_functions: int | None = None) -> str:
    """A QuixBugs test file as a self-contained pytest file (see the module docstring)."""
    tree = ast.parse(text)
    lines = text.splitlines()
    edits: list[tuple[int, int, str | None]] = []  # 1-based inclusive line ranges and their replacement
    kept_functions = 0
    for stmt in tree.body:
        first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
        last = stmt.end_lineno or stmt.lineno
        if isinstance(stmt, ast.ImportFrom) and (stmt.module or "").split(".")[-1] == "load_testdata":
            edits.append((first, last, None))
        elif isinstance(stmt, ast.ImportFrom) and _module_of(stmt.module) != stmt.module:
            edits.append((first, last, _rewritten(stmt)))
        elif isinstance(stmt, ast.If) and "use_correct" in ast.unparse(stmt.test):
            edits.append((first, last, "\n".join(_rewritten(s) for s in _picks_buggy_branch(stmt))))
        elif isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call) and ast.unparse(stmt.value.func).endswith("load_json_testcases"):
            if cases is None:
                raise SkipProgram("the test reads JSON test cases, but there is no json_testcases file for it")
            chosen = cases if keep_cases is None else cases[:keep_cases]
            edits.append((first, last, _cases_literal(" = ".join(ast.unparse(t) for t in stmt.targets), chosen)))
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name.startswith("test"):
            kept_functions += 1
            if keep_functions is not None and kept_functions > keep_functions:
                edits.append((first, last, None))
    for first, last, replacement in sorted(edits, reverse=True):
        lines[first - 1 : last] = [] if replacement is None else replacement.splitlines()
    converted = _CONFTEST_FLAGS.sub("False", "\n".join(lines)).strip() + "\n"
    converted = re.sub(r"\n{4,}", "\n\n\n", converted)
    ast.parse(converted)
    return converted


def _test_functions(text: str) -> int:
    return sum(1 for s in ast.parse(text).body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name.startswith("test"))


def _json_name(text: str, program: str) -> str | None:
    """Which json_testcases file the test reads: `load_json_testcases(gcd.__name__)` -> gcd."""
    match = re.search(r"load_json_testcases\(\s*(?:(\w+)\.__name__|[\"'](\w+)[\"'])\s*\)", text)
    if not match:
        return None
    return match.group(1) or match.group(2) or program


def _read_cases(path: Path) -> list:
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                cases.append(json.loads(line))
            except ValueError as exc:
                raise SkipProgram(f"{path.name} line {number} is not JSON: {exc}") from None
    if not cases:
        raise SkipProgram(f"{path.name} holds no test case")
    return cases


def _trailing_docstring(source: str) -> tuple[str | None, str | None]:
    """QuixBugs documents a program in a string after its code: (its text, its source lines)."""
    tree = ast.parse(source)
    if tree.body and isinstance(tree.body[-1], ast.Expr) and isinstance(tree.body[-1].value, ast.Constant) and isinstance(tree.body[-1].value.value, str):
        node = tree.body[-1]
        segment = "\n".join(source.splitlines()[node.lineno - 1 : node.end_lineno])
        return node.value.value.strip("\n"), segment
    return None, None


def _description(name: str, doc: str | None, uses_node: bool) -> tuple[str, str]:
    """(title, description.md)."""
    headline = next((line.strip() for line in (doc or "").splitlines() if line.strip()), name.replace("_", " ").capitalize())
    text = f"# {headline}\n\n"
    if doc:
        text += f"`{name}.py` implements the program documented at the end of the file:\n\n```text\n{doc}\n```\n\n"
    else:
        text += f"`{name}.py` implements `{name}`.\n\n"
    if uses_node:
        text += "Graph and list nodes are `node.Node` objects (`node.py`, read-only).\n\n"
    text += (
        f"It has a bug. Fix `{name}.py` so that it behaves as documented. "
        f"A test that runs longer than {TEST_TIMEOUT_S:g} s is stopped and counts as failed.\n"
    )
    return f"QuixBugs {name}: {headline}"[:200], text


def draft_program(root: Path, name: str) -> TaskDraft:
    if name in sys.stdlib_module_names or name in ("node", "conftest", "pytest", "load_testdata"):
        raise SkipProgram(f"a module named {name!r} would shadow one the tests or the runner import")
    test_path = root / "python_testcases" / f"test_{name}.py"
    buggy = (root / "python_programs" / f"{name}.py").read_text(encoding="utf-8")
    correct_path = root / "correct_python_programs" / f"{name}.py"
    if not correct_path.is_file():
        raise SkipProgram("no correct_python_programs version")
    correct = correct_path.read_text(encoding="utf-8")
    test_text = test_path.read_text(encoding="utf-8")
    try:
        for label, text in (("buggy program", buggy), ("correct program", correct), ("test file", test_text)):
            ast.parse(text)
    except SyntaxError as exc:
        raise SkipProgram(f"the {label} does not parse: {exc.msg} (line {exc.lineno})") from None
    uses_node = bool(_USES_NODE.search(test_text) or _USES_NODE.search(buggy) or _USES_NODE.search(correct))
    # Programs that import node relatively (or through their package) import it from the root.
    buggy = _PROGRAM_NODE_IMPORT.sub(r"\1from node import", buggy)
    correct = _PROGRAM_NODE_IMPORT.sub(r"\1from node import", correct)
    readonly = {}
    if uses_node:
        node_path = next((p for p in (root / "python_testcases" / "node.py", root / "python_programs" / "node.py") if p.is_file()), None)
        if node_path is None:
            raise SkipProgram("its tests use node.py, which the checkout lacks")
        readonly["node.py"] = node_path.read_text(encoding="utf-8")
    json_name = _json_name(test_text, name)
    cases = _read_cases(root / "json_testcases" / f"{json_name}.json") if json_name else None
    if cases is not None:
        total = len(cases)
        visible = convert_test(test_text, cases=cases, keep_cases=visible_count(total))
    else:
        total = _test_functions(test_text)
        if total == 0:
            raise SkipProgram("the test file defines no test function")
        visible = convert_test(test_text, cases=None, keep_functions=visible_count(total))
    hidden = convert_test(test_text, cases=cases)
    doc, doc_source = _trailing_docstring(buggy)
    solution = correct
    if doc_source and _trailing_docstring(correct)[0] is None:
        solution = correct.rstrip() + "\n\n\n" + doc_source + "\n"  # keep the documentation the agent read
    title, description = _description(name, doc, uses_node)
    return TaskDraft(
        id=f"quixbugs_{name}",
        title=title,
        description=description,
        main_file=f"{name}.py",
        source=buggy,
        solution=solution,
        visible_tests={f"tests/test_{name}.py": visible},
        hidden_tests={f"hidden_tests/test_{name}_hidden.py": hidden},
        readonly_sources=readonly,
        tags=["quixbugs", "graph"] if uses_node else ["quixbugs"],
        difficulty=judge_difficulty(buggy, solution, structural=uses_node),
        test_timeout_s=TEST_TIMEOUT_S,
        run_timeout_s=run_timeout_for(total, TEST_TIMEOUT_S),
    )


def drafts(root: Path) -> tuple[list[TaskDraft], list[Skipped]]:
    """A draft for every program with a buggy version, a test file and a fix; skips with reasons."""
    for required in ("python_programs", "python_testcases"):
        if not (root / required).is_dir():
            raise FileNotFoundError(f"{root} is not a QuixBugs checkout: it has no {required}/")
    made: list[TaskDraft] = []
    skipped: list[Skipped] = []
    for test_path in sorted((root / "python_testcases").glob("test_*.py")):
        name = test_path.stem[len("test_") :]
        if not name.isidentifier():
            skipped.append(Skipped(name, "not a Python module name"))
            continue
        if not (root / "python_programs" / f"{name}.py").is_file():
            skipped.append(Skipped(name, "no python_programs version"))
            continue
        try:
            made.append(draft_program(root, name))
        except SkipProgram as exc:
            skipped.append(Skipped(name, str(exc)))
        except (SyntaxError, OSError, UnicodeDecodeError) as exc:
            skipped.append(Skipped(name, f"could not be converted: {exc}"))
    return made, skipped
