"""A package's source tree as synthesis sees it: the importable code (what `src/` of a task
holds, at the workspace root), its test files, and the modules that may receive bugs.

Test files keep their project paths (`tests/test_x.py`, or `test_x.py` at the root): a task's
`[tests] visible_dir` and `hidden_dir` both name that directory, so the package's conftest, helpers
and relative imports work as in its repository.
"""

from __future__ import annotations

import ast
import fnmatch
from dataclasses import dataclass
from pathlib import Path

from tasks.synthesis.parsing import parse
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
    test_dir: str  # the tests' directory in the project: "tests", or "." for tests at the root
    tests: dict[str, str]  # path relative to test_dir -> text (test modules and their helpers)
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
        test_dir=tests_dir.relative_to(root).as_posix() if tests_dir != root else ".",
        tests=tests,
        test_modules=tuple(p.name for p in test_paths),
        mutable=mutable,
        licence_name=sdist.licence.name,
        licence_text=sdist.licence.read_text(encoding="utf-8", errors="replace"),
    )


def _has_code(text: str) -> bool:
    try:
        return any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) for n in ast.walk(parse(text)))
    except SyntaxError:
        return False


def in_test_dir(test_dir: str, name: str) -> str:
    """The project path of a file of the tests' directory."""
    return name if test_dir == "." else f"{test_dir}/{name}"
