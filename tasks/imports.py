"""The third-party modules a task's code imports, read from its pristine files (never from edits).

The runner imports them once in its pristine process (sandbox/runner.py `preload`), so every run
finds them warm and imports only the project's own modules. Pure: no I/O."""

from __future__ import annotations

import ast
import sys
from pathlib import PurePosixPath

MAX_MODULES = 64
NEVER = {"pytest", "_pytest", "pluggy", "__future__"}  # the runner has them; or no module at all


def local_names(paths: list[str], roots: list[str]) -> set[str]:
    """Top-level module names the project itself provides, from the project's root or a tests root."""
    names = set()
    for path in paths:
        parts = PurePosixPath(path).parts
        for root in roots:
            prefix = () if root == "." else PurePosixPath(root).parts
            if parts[: len(prefix)] == prefix and len(parts) > len(prefix):
                names.add(parts[len(prefix)].removesuffix(".py"))
        names.add(PurePosixPath(path).stem)  # a module beside a test that imports it by name
    return names


def imported_modules(files: dict[str, str]) -> set[str]:
    """Every absolute import's module path, and its top-level package."""
    found: set[str] = set()
    for path, text in files.items():
        if not path.endswith(".py"):
            continue
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                parts = module.split(".")
                found.add(parts[0])
                if len(parts) > 1:
                    found.add(".".join(parts[:4]))
    return found


def third_party(files: dict[str, str], roots: list[str]) -> tuple[str, ...]:
    """The imported modules that are neither the standard library nor the project's own, sorted
    (packages before their submodules), at most MAX_MODULES."""
    local = local_names(list(files), roots)
    chosen = {
        m for m in imported_modules(files)
        if (top := m.split(".")[0]) not in local and top not in sys.stdlib_module_names and top not in NEVER
    }
    return tuple(sorted(chosen, key=lambda m: (m.count("."), m))[:MAX_MODULES])
