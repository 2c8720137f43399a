"""A package's source tree as synthesis sees it: the importable code (what `src/` of a task
holds, at the workspace root), its test files, and the modules that may receive bugs.

Test files keep their place relative to the tests directory; relative imports among them
(`from ._common import x`) are rewritten to absolute ones under the directory they are written to
(`tests` or `hidden_tests`), since a task runs its two test directories apart.
"""

from __future__ import annotations

import ast
import fnmatch
from dataclasses import dataclass
from pathlib import Path

from tasks.synthesis.recipes import Recipe
from tasks.synthesis.sdist import Sdist

MAX_SOURCE_BYTES = 400_000  # the task loader takes files under 1 MB; mutants stay well below


class ProjectError(Exception):
    pass


@dataclass(frozen=True)
class Project:
    requirement: str
    requires: tuple[str, ...]
    sources: dict[str, str]  # path relative to the import root -> text (the package's .py files)
    tests: dict[str, str]  # path relative to the tests directory -> text (test modules and their helpers)
    test_modules: tuple[str, ...]  # the keys of `tests` that are test modules
    mutable: tuple[str, ...]  # the keys of `sources` that may receive bugs
    licence_name: str
    licence_text: str


def _import_root(root: Path) -> Path:
    return root / "src" if (root / "src").is_dir() else root


def _package_files(import_root: Path, tests_dir: Path) -> dict[str, str]:
    """Every .py file of the top-level packages (and top-level modules) beside tests, not tests."""
    files: dict[str, str] = {}
    for top in sorted(import_root.iterdir()):
        if top == tests_dir or top.name.startswith((".", "test")) or top.name in {"setup.py", "conftest.py", "docs", "build"}:
            continue
        if top.is_dir() and (top / "__init__.py").is_file():
            paths = [p for p in sorted(top.rglob("*.py")) if not any(part.startswith("test") for part in p.relative_to(import_root).parts[1:])]
        elif top.is_file() and top.suffix == ".py" and import_root != top.parent.parent:
            paths = [top]
        else:
            continue
        for path in paths:
            text = path.read_text(encoding="utf-8", errors="strict")
            if len(text.encode()) <= MAX_SOURCE_BYTES:
                files[path.relative_to(import_root).as_posix()] = text
    return files


def load_project(sdist: Sdist, recipe: Recipe) -> Project:
    root = sdist.root
    test_paths = sorted({p for pattern in recipe.tests for p in root.glob(pattern) if p.is_file()})
    if not test_paths:
        raise ProjectError(f"package {sdist.requirement}: its sdist has no test files matching {', '.join(recipe.tests)}")
    tests_dir = test_paths[0].parent
    if any(p.parent != tests_dir for p in test_paths):
        raise ProjectError(f"package {sdist.requirement}: the chosen test files must share one directory")
    tests = {p.name: p.read_text(encoding="utf-8") for p in test_paths}
    if tests_dir != root:  # helpers beside the tests: conftest.py, __init__.py, _common.py
        for helper in sorted(tests_dir.glob("*.py")):
            if not helper.name.startswith("test"):
                tests[helper.name] = helper.read_text(encoding="utf-8")
    sources = _package_files(_import_root(root), tests_dir)
    if not sources:
        raise ProjectError(f"package {sdist.requirement}: no importable package found in its sdist")
    patterns = recipe.modules or ("*.py",)
    mutable = tuple(p for p in sorted(sources) if any(fnmatch.fnmatch(p, pattern) for pattern in patterns) and _has_code(sources[p]))
    if not mutable:
        raise ProjectError(f"package {sdist.requirement}: no module matches {', '.join(patterns)}")
    if sdist.licence is None:
        raise ProjectError(f"package {sdist.requirement}: its sdist ships no licence file, so its code cannot be redistributed in tasks")
    return Project(
        requirement=sdist.requirement,
        requires=sdist.requires,
        sources=sources,
        tests=tests,
        test_modules=tuple(p.name for p in test_paths),
        mutable=mutable,
        licence_name=sdist.licence.name,
        licence_text=sdist.licence.read_text(encoding="utf-8", errors="replace"),
    )


def _has_code(text: str) -> bool:
    try:
        return any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) for n in ast.walk(ast.parse(text)))
    except SyntaxError:
        return False


def absolute_imports(text: str, package: str) -> str:
    """`from .x import y` / `from . import y` -> `from {package}.x import y`, edited in place."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return text
    lines = text.splitlines(keepends=True)
    edits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            target = package + (f".{node.module}" if node.module else "")
            edits.append((node.lineno, target, node.level, node.module))
    for lineno, target, level, module in sorted(edits, reverse=True):
        line = lines[lineno - 1]
        old = "from " + "." * level + (module or "")
        if old in line:
            lines[lineno - 1] = line.replace(old + " ", f"from {target} ", 1)
    return "".join(lines)
