"""run_tests' `tests` argument: which visible tests to run, checked on the host before any run.

Each item is a visible test file (`tests/test_x.py`), a node id within one
(`tests/test_x.py::test_name`, `tests/test_x.py::TestClass::test_name[param]`), or a keyword
expression written `-k EXPR` (or the two items `-k`, `EXPR`), as pytest's `-k` takes it. Nothing else
reaches pytest: no options, no other paths (the hidden tests are never in the sandbox before submit
anyway). Pure: no I/O.
"""

from __future__ import annotations

from pydantic import BaseModel

from environment.errors import BadArgument, quoted
from tasks.keywords import keyword_problem

MAX_ITEMS = 100
MAX_ITEM_CHARS = 500
MAX_KEYWORD_CHARS = 500
HOW = (
    "Pass visible test files or node ids (`path::test_name`, as run_tests lists them), and at most one "
    "keyword expression as `-k EXPR`; omit `tests` to run them all."
)


class Selection(BaseModel):
    """Some of the visible tests: pytest targets (files or node ids) and an optional `-k` expression."""

    targets: list[str] = []  # empty: every visible test file (a keyword alone)
    keyword: str | None = None

    def whole_files(self) -> list[str]:
        """The targets that are whole files, when no keyword narrows them."""
        return [] if self.keyword is not None else [t for t in self.targets if "::" not in t]

    def shown(self) -> list[str]:
        return [*self.targets, *([f"-k {self.keyword}"] if self.keyword is not None else [])]


def _visible_files(test_files: dict[str, str] | list[str]) -> str:
    return ", ".join(sorted(p for p in test_files if p.endswith(".py"))) or "(none)"


def _check_item(item: object, what: str) -> str:
    if not isinstance(item, str):
        raise BadArgument(f"tests: each item must be a string, got {quoted(item)}. {HOW}")
    if not item.strip():
        raise BadArgument(f"tests: {what} is empty. {HOW}")
    if len(item) > MAX_ITEM_CHARS:
        raise BadArgument(f"tests: {what} is {len(item)} characters long; at most {MAX_ITEM_CHARS}. {HOW}")
    if any(c in item for c in "\x00\r\n"):
        raise BadArgument(f"tests: {what} {quoted(item)} holds a NUL or a line break. {HOW}")
    return item.strip()


def _check_keyword(expression: str) -> str:
    if len(expression) > MAX_KEYWORD_CHARS:
        raise BadArgument(f"tests: the -k expression is {len(expression)} characters long; at most {MAX_KEYWORD_CHARS}.")
    # pytest's grammar, here: an expression it cannot parse ends the run before any test (it read as
    # if every test had been cut off, and cost a step); and a parsed one is balanced, so the clause
    # the runner adds to it stays apart.
    problem = keyword_problem(expression)
    if problem is not None:
        raise BadArgument(
            f"tests: the -k expression {quoted(expression)} is not one pytest can read: {problem}. Write names of tests "
            "(or parts of them) joined by and / or / not, with parentheses, e.g. `-k parse and not slow`. No step was counted."
        )
    return expression


def parse_selection(tests: list[str] | None, test_files: dict[str, str]) -> Selection | None:
    """The selection `tests` names, or None for a full run (`tests` omitted or empty)."""
    if not tests:
        return None
    if not isinstance(tests, list):
        raise BadArgument(f"tests must be a list of strings, got {quoted(tests)}. {HOW}")
    if len(tests) > MAX_ITEMS:
        raise BadArgument(f"tests names {len(tests)} items; at most {MAX_ITEMS}. {HOW}")
    targets: list[str] = []
    keyword: str | None = None
    items = iter(tests)
    for raw in items:
        item = _check_item(raw, "an item")
        if item == "-k" or item.startswith("-k "):
            if keyword is not None:
                raise BadArgument(f"tests: only one -k expression per run; combine them with `and` / `or`. {HOW}")
            expression = item[3:] if item != "-k" else _check_item(next(items, ""), "the -k expression")
            keyword = _check_keyword(_check_item(expression, "the -k expression"))
            continue
        if item.startswith("-"):
            raise BadArgument(f"tests: {quoted(item)} is an option; run_tests takes no pytest options. {HOW}")
        path = item.split("::", 1)[0].removeprefix("./")
        if path not in test_files:
            raise BadArgument(f"tests: {quoted(path)} is not a visible test file. Visible test files: {_visible_files(test_files)}. {HOW}")
        target = path + item[len(item.split("::", 1)[0]) :]
        if target not in targets:
            targets.append(target)
    return Selection(targets=targets, keyword=keyword)


def no_match(selection: Selection, test_files: dict[str, str]) -> BadArgument:
    """A selection that collected no test (a name that does not exist, a keyword matching nothing)."""
    shown = ", ".join(quoted(item) for item in selection.shown()[:10])
    return BadArgument(
        f"tests: no visible test matches {shown}. Visible test files: {_visible_files(test_files)}. "
        "Node ids look like `path::test_name`; run_tests without `tests` lists every test. This cost no step."
    )
