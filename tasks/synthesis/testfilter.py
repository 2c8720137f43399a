"""Cut a test module down to chosen tests, editing its text (pure).

A *unit* is what a test node id names without its parameters: `test_name` for a module-level
function, `Class::test_name` for a method. Units not kept are deleted with their decorators; a
class left without statements goes too; everything else (imports, helpers, fixtures) stays.
"""

from __future__ import annotations

import ast
import re

from tasks.synthesis.parsing import parse


def unit_of(nodeid: str) -> tuple[str, str]:
    """'hidden_tests/test_x.py::Cls::test_y[1-2]' -> ('test_x.py', 'Cls::test_y')."""
    path, _, rest = nodeid.partition("::")
    return path.rsplit("/", 1)[-1], rest.split("[", 1)[0]


def _span(node: ast.stmt) -> tuple[int, int]:
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    return first, node.end_lineno or node.lineno


def _is_test(node: ast.stmt) -> bool:
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test")


def units_in(text: str) -> set[str]:
    """The test units a module defines (methods of classes named or not named Test*)."""
    units: set[str] = set()
    for node in parse(text).body:
        if _is_test(node):
            units.add(node.name)
        elif isinstance(node, ast.ClassDef):
            units.update(f"{node.name}::{item.name}" for item in node.body if _is_test(item))
    return units


def keep_units(text: str, keep: set[str]) -> str:
    """The module with every test unit outside `keep` removed."""
    tree = parse(text)
    cuts: list[tuple[int, int]] = []
    for node in tree.body:
        if _is_test(node) and node.name not in keep:
            cuts.append(_span(node))
        elif isinstance(node, ast.ClassDef):
            drop = [item for item in node.body if _is_test(item) and f"{node.name}::{item.name}" not in keep]
            tests = [item for item in node.body if _is_test(item)]
            inherited = any(f"{node.name}::" in unit for unit in keep) and not tests
            if tests and len(drop) == len(tests) and len(drop) == len(node.body) and not inherited:
                cuts.append(_span(node))
            elif tests and len(drop) == len(node.body):
                cuts.extend(_span(item) for item in drop[1:])
                first, last = _span(drop[0])
                cuts.append((first, last, "pass"))  # type: ignore[arg-type]
            else:
                cuts.extend(_span(item) for item in drop)
    lines = text.splitlines(keepends=True)
    for cut in sorted(cuts, key=lambda c: c[0], reverse=True):
        first, last = cut[0], cut[1]
        replacement = []
        if len(cut) == 3:
            indent = lines[first - 1][: len(lines[first - 1]) - len(lines[first - 1].lstrip())]
            replacement = [f"{indent}pass\n"]
        lines[first - 1 : last] = replacement
    return re.sub(r"\n(?:[ \t]*\n){3,}", "\n\n\n", "".join(lines))  # the cuts' blank lines: two at most
